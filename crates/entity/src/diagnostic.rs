//! What the parser reports: every problem with its place, what is wrong, and a hint.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    /// The entity (or the part named) could not be understood; its schema is incomplete.
    Error,
    /// Understood, but something is left unmanaged or guessed.
    Warning,
}

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl Pos {
    /// The start of a syn/proc-macro2 span.
    pub fn of(span: proc_macro2::Span) -> Pos {
        let lc = span.start();
        Pos {
            line: lc.line,
            column: lc.column + 1,
        }
    }
}

/// One problem found in the entity files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file it is in.
    pub file: PathBuf,
    /// Where in the file.
    pub pos: Pos,
    /// What is wrong, lowercase, one sentence.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl Diagnostic {
    /// An error at a place.
    pub fn error(
        file: &Path,
        pos: Pos,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.to_path_buf(),
            pos,
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// A warning at a place.
    pub fn warning(
        file: &Path,
        pos: Pos,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, pos, message, hint)
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {kind}: {}",
            self.file.display(),
            self.pos.line,
            self.pos.column,
            self.message
        )?;
        if !self.hint.is_empty() {
            write!(f, "\n  hint: {}", self.hint)?;
        }
        Ok(())
    }
}
