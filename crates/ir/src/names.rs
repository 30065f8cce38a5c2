//! Names the server gives objects that were created without one. Both sides of a diff need
//! them: entity lowering (what the server will call a key) and the plan (a key to drop on
//! another backend, known there only by the name that backend gave it).

/// PostgreSQL's `makeObjectName`: `{name1}_{name2}_{label}`, shortening the longer of the two
/// names until it fits in 63 bytes.
pub fn pg_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = 63usize.saturating_sub(overhead);
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, str::len);
    while n1 + n2 > avail {
        if n1 > n2 { n1 -= 1 } else { n2 -= 1 }
    }
    let cut = |s: &str, n: usize| {
        let mut end = n.min(s.len());
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s[..end].to_owned()
    };
    match name2 {
        Some(n) => format!("{}_{}_{label}", cut(name1, n1), cut(n, n2)),
        None => format!("{}_{label}", cut(name1, n1)),
    }
}
