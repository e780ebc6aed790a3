//! Look-up lists a system declares (contracts, real-estate objects, ledger accounts, service
//! items…), the form fields that look up in them, and the local address book of recipients
//! for systems without a customer list on the server.
//!
//! Relations and products keep their own typed tables and ranking; every other list a
//! connector needs goes through one cache (`lookup_items` in the store) with the same
//! type-ahead, staged reload and resumable paging.

use crate::backend::{FieldSpec, Relation, RelationKind};
use crate::i18n::Text;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// A list a connector declares. (Plain comments on the IPC types: a doc comment would change
// the generated TypeScript.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ListSpec {
    // The list's name, unique within the connector: "contracts", "objects", "ledger_accounts".
    pub name: String,
    pub label: Text,
    pub scope: ListScope,
}

// Where one copy of a list lives: once per connection, once per administration, or once per
// combination of parent values (Bloxs: contracts per owner and relation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ListScope {
    Connection,
    Administration,
    Parent { keys: Vec<String> },
}

/// One copy of a list, as the back end is asked for it: the scope of a [`ListSpec`] with its
/// values filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ScopeValue {
    Connection,
    Administration {
        id: String,
    },
    /// The parent values by key, and the administration they belong to ("" when the system
    /// has none).
    Parent {
        administration: String,
        values: BTreeMap<String, String>,
    },
}

impl ScopeValue {
    /// The key under which this copy of a list is cached. Parent values are written as JSON,
    /// so no two different sets of values share a key, whatever characters they hold.
    pub fn cache_key(&self) -> String {
        match self {
            ScopeValue::Connection => String::new(),
            ScopeValue::Administration { id } => id.clone(),
            ScopeValue::Parent {
                administration,
                values,
            } => serde_json::to_string(&(administration, values)).unwrap_or_default(),
        }
    }

    /// The copy of `spec` that the form needs, given the chosen administration and the values
    /// of the form's fields by parent key. `None` when a parent value is missing (the clerk has
    /// not chosen the owner yet) or an administration is needed and not chosen.
    pub fn for_list(
        spec: &ListSpec,
        administration: Option<&str>,
        parents: &BTreeMap<String, String>,
    ) -> Option<ScopeValue> {
        Self::for_list_with_optional(spec, administration, parents, &[])
    }

    /// As [`ScopeValue::for_list`], where a parent key in `optional` may be empty: the copy
    /// is then the one without that value (Bloxs: an owner's contracts with every relation,
    /// while the relation is not chosen yet).
    pub fn for_list_with_optional(
        spec: &ListSpec,
        administration: Option<&str>,
        parents: &BTreeMap<String, String>,
        optional: &[String],
    ) -> Option<ScopeValue> {
        let admin = administration.unwrap_or("").trim();
        match &spec.scope {
            ListScope::Connection => Some(ScopeValue::Connection),
            ListScope::Administration => Some(ScopeValue::Administration {
                id: admin.to_string(),
            }),
            ListScope::Parent { keys } => {
                let mut values = BTreeMap::new();
                for k in keys {
                    let v = parents.get(k).map(|v| v.trim()).unwrap_or("");
                    if v.is_empty() {
                        if optional.contains(k) {
                            continue;
                        }
                        return None;
                    }
                    values.insert(k.clone(), v.to_string());
                }
                Some(ScopeValue::Parent {
                    administration: admin.to_string(),
                    values,
                })
            }
        }
    }

    pub fn administration(&self) -> Option<&str> {
        match self {
            ScopeValue::Connection => None,
            ScopeValue::Administration { id } => Some(id),
            ScopeValue::Parent { administration, .. } => Some(administration),
        }
    }
}

// One entry of a declared list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LookupItem {
    // The value the form stores (Bloxs: the reference).
    pub id: String,
    // What the clerk reads in the field and the list.
    pub label: String,
    // A second line in the list.
    #[serde(default)]
    pub detail: Option<String>,
    // More words the type-ahead finds the item by (a number, a code…).
    #[serde(default)]
    pub terms: Vec<String>,
    // The item's parents by key (an owner's reference…): a search filtered on a parent key
    // finds items with that value, and items without that key.
    #[serde(default)]
    pub parents: BTreeMap<String, String>,
    #[serde(default)]
    pub archived: bool,
    // The vendor's other values, kept as they came (a default description, a ledger account…).
    #[serde(default)]
    #[ts(type = "Record<string, unknown>")]
    pub data: serde_json::Map<String, serde_json::Value>,
}

// A form field's filter on a look-up: the list's parent key `key` must equal the value of the
// form field `from_field` (a header or line field's key, or "relation" / "administration").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LookupFilter {
    pub key: String,
    pub from_field: String,
    // While `from_field` is empty the filter is not applied (the look-up offers the items of
    // every value) instead of asking to fill it in first.
    #[serde(default)]
    pub optional: bool,
    // Picking an item while `from_field` is empty fills it with the item's parent value for
    // `key` (Bloxs: a contract fills the relation). Only with `optional`.
    #[serde(default)]
    pub fills: bool,
}

// The answer to a search in a declared list. `pending`: the list (for these parent values) is
// being fetched for the first time; ask again when the `list-synced` event comes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ListSearch {
    pub items: Vec<LookupItem>,
    pub pending: bool,
}

// Where a connection's relations come from: synced from the server, or kept by the app in a
// local address book whose fields the connector declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RelationSource {
    #[default]
    Synced,
    Local {
        fields: Vec<FieldSpec>,
    },
}

impl RelationSource {
    pub fn is_local(&self) -> bool {
        matches!(self, RelationSource::Local { .. })
    }
}

/// Keys of declared recipient fields that are also kept in their own column, so the
/// type-ahead finds them and the form shows them like a synced relation's.
pub const RECIPIENT_COLUMNS: [&str; 4] = ["number", "email", "city", "vat_number"];

// A recipient in the local address book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Recipient {
    // Stable for as long as the recipient exists: the identifier the system gets.
    pub id: String,
    pub kind: RelationKind,
    pub name: String,
    pub number: Option<String>,
    pub email: Option<String>,
    pub city: Option<String>,
    pub vat_number: Option<String>,
    // The declared fields' values by key.
    pub values: BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
    pub archived: bool,
}

impl Recipient {
    /// The recipient as the form's relation field holds it.
    pub fn as_relation(&self) -> Relation {
        Relation {
            id: self.id.clone(),
            kind: self.kind,
            name: self.name.clone(),
            number: self.number.clone(),
            email: self.email.clone(),
            city: self.city.clone(),
            vat_number: self.vat_number.clone(),
            archived: self.archived,
        }
    }
}

// What the clerk typed for a recipient: `id` null for a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RecipientInput {
    pub id: Option<String>,
    pub kind: RelationKind,
    pub name: String,
    #[serde(default)]
    pub values: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(scope: ListScope) -> ListSpec {
        ListSpec {
            name: "contracts".into(),
            label: Text::new("Contract", "Contract"),
            scope,
        }
    }

    #[test]
    fn a_parent_scope_needs_every_parent_value_and_keeps_different_values_apart() {
        let s = spec(ListScope::Parent {
            keys: vec!["owner".into(), "relation".into()],
        });
        let mut p = BTreeMap::new();
        p.insert("owner".to_string(), "O1".to_string());
        assert_eq!(ScopeValue::for_list(&s, Some("A"), &p), None);
        p.insert("relation".to_string(), " ".to_string());
        assert_eq!(ScopeValue::for_list(&s, Some("A"), &p), None);
        p.insert("relation".to_string(), "R1".to_string());
        let a = ScopeValue::for_list(&s, Some("A"), &p).map(|v| v.cache_key());
        p.insert("relation".to_string(), "R2".to_string());
        let b = ScopeValue::for_list(&s, Some("A"), &p).map(|v| v.cache_key());
        assert!(a.is_some() && b.is_some() && a != b);
        // Values that would run together with a plain separator stay apart.
        let mut q = BTreeMap::new();
        q.insert("owner".to_string(), "O1\",\"relation".to_string());
        q.insert("relation".to_string(), "R2".to_string());
        let c = ScopeValue::for_list(&s, Some("A"), &q).map(|v| v.cache_key());
        assert_ne!(b, c);
    }

    #[test]
    fn an_optional_parent_key_may_be_empty_and_gives_its_own_copy() {
        let s = spec(ListScope::Parent {
            keys: vec!["owner".into(), "relation".into()],
        });
        let optional = ["relation".to_string()];
        let mut p = BTreeMap::new();
        assert_eq!(
            ScopeValue::for_list_with_optional(&s, Some("A"), &p, &optional),
            None,
            "a required parent stays required"
        );
        p.insert("owner".to_string(), "O1".to_string());
        let owner_only = ScopeValue::for_list_with_optional(&s, Some("A"), &p, &optional);
        let mut values = BTreeMap::new();
        values.insert("owner".to_string(), "O1".to_string());
        assert_eq!(
            owner_only,
            Some(ScopeValue::Parent {
                administration: "A".into(),
                values
            })
        );
        p.insert("relation".to_string(), "R1".to_string());
        let both = ScopeValue::for_list_with_optional(&s, Some("A"), &p, &optional);
        assert_ne!(
            owner_only.map(|v| v.cache_key()),
            both.map(|v| v.cache_key())
        );
        // A filter declared without the flags reads as before.
        let f: LookupFilter =
            serde_json::from_str(r#"{"key":"owner","from_field":"administration"}"#).unwrap();
        assert!(!f.optional && !f.fills);
    }

    #[test]
    fn relation_source_reads_as_synced_when_absent_and_as_local_with_its_fields() {
        let s: RelationSource = serde_json::from_str(r#"{"kind":"synced"}"#).unwrap_or_default();
        assert_eq!(s, RelationSource::Synced);
        let l: RelationSource = serde_json::from_str(r#"{"kind":"local","fields":[]}"#)
            .unwrap_or(RelationSource::Synced);
        assert!(l.is_local());
    }
}
