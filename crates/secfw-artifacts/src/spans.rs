//! Source positions carried by Markdown-derived models, ignored by equality so that parsed and
//! constructed values compare equal.

use std::collections::BTreeMap;

use crate::diag::Pos;

/// Positions of an entry and of its fields (by field key).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Spans {
    /// Position of the entry itself (its heading).
    pub at: Option<Pos>,
    /// Positions of fields, keyed by a stable field name.
    pub fields: BTreeMap<String, Pos>,
}

impl Spans {
    /// Position of a field, falling back to the entry.
    pub fn field(&self, name: &str) -> Option<Pos> {
        self.fields.get(name).copied().or(self.at)
    }
}

impl PartialEq for Spans {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Spans {}
