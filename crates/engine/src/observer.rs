//! How the engine reports while it works, without printing.

/// What the engine tells whoever runs it while it works. Every method has a silent default.
pub trait Observer: Sync {
    /// Work that may take a while begins; it ends when the returned value is dropped (a
    /// terminal shows a spinner meanwhile).
    fn working(&self, what: &str) -> Box<dyn Send> {
        let _ = what;
        Box::new(())
    }

    /// Something the entity files hold that the user should see: a warning, or an error
    /// (the run then fails, after every one is reported).
    fn diagnostic(&self, d: &sealift_entity::Diagnostic) {
        let _ = d;
    }

    /// How the run goes, in a sentence (planning against the first of many tenants).
    fn note(&self, text: &str) {
        let _ = text;
    }
}
