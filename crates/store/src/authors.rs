//! Who wrote a part or started a conversation ([`Author`]), and the one rule for whether an
//! author is a contact (a customer): the rule that decides what is unread and what may
//! notify, in Rust ([`is_contact_type`]) and, checked against it, in SQL.

use serde::{Deserialize, Serialize};

/// Who wrote a part or started a conversation. `author_type` is Intercom's open string
/// (`user`, `lead`, `contact` are contacts; `admin`, `bot`, `team` are not).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Author {
    /// Intercom's author type (`user`, `lead`, `contact`, `admin`, `bot`, `team`, ...).
    pub author_type: Option<String>,
    /// The author's id.
    pub id: Option<String>,
    /// The author's display name.
    pub name: Option<String>,
}

impl Author {
    /// Whether the author is a contact (a customer), the only kind that makes a conversation unread.
    pub fn is_contact(&self) -> bool {
        is_contact_type(self.author_type.as_deref())
    }
}

/// The Intercom author types that are contacts (customers): the one rule for "is this
/// author a contact", which decides what is unread and what may notify. Everything else
/// (`admin`, `bot`, `team`, unknown) is not.
pub const CONTACT_AUTHOR_TYPES: [&str; 3] = ["user", "lead", "contact"];

/// Whether an Intercom author type denotes a contact ([`CONTACT_AUTHOR_TYPES`]).
pub fn is_contact_type(t: Option<&str>) -> bool {
    t.is_some_and(|t| CONTACT_AUTHOR_TYPES.contains(&t))
}

/// [`CONTACT_AUTHOR_TYPES`] as an SQL list, for `author_type IN ...`. A literal, not built
/// at run time: the partial index `parts_created` (migrations.rs) serves only queries that
/// repeat its condition word for word. A test checks it against the constant.
macro_rules! contact_author_types_sql {
    () => {
        "('user', 'lead', 'contact')"
    };
}
pub(crate) use contact_author_types_sql;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_list_of_contact_author_types_is_the_rust_one() {
        let listed: Vec<String> = CONTACT_AUTHOR_TYPES
            .iter()
            .map(|t| format!("'{t}'"))
            .collect();
        assert_eq!(
            contact_author_types_sql!(),
            format!("({})", listed.join(", ")),
            "the SQL that counts unread and finds new messages asks the one author rule"
        );
        assert!(is_contact_type(Some("lead")) && !is_contact_type(Some("bot")));
        assert!(
            !is_contact_type(None),
            "an author of no type is not a contact"
        );
    }
}
