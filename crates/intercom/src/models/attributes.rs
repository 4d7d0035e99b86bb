//! Tags of the workspace, the definitions of conversation data attributes, and the SLA
//! applied to a conversation: what an agent sorts and edits a conversation by.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::de::{self, open_enum};

/// `GET /tags`: `{type: "list", data: [tag]}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct TagPage {
    #[serde(deserialize_with = "de::items")]
    pub data: Vec<WorkspaceTag>,
}

/// A tag of the workspace (`GET /tags`, and the answer to tagging or untagging).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct WorkspaceTag {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
}

open_enum! {
    /// A data attribute's type. 2.14 names `date`; Intercom's UI calls it a datetime.
    DataType {
        String => "string", Integer => "integer", Float => "float", Boolean => "boolean",
        Date => "date", Datetime => "datetime",
    }
}

/// `GET /data_attributes`: `{type: "list", data: [data_attribute]}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct DataAttributePage {
    #[serde(deserialize_with = "de::items")]
    pub data: Vec<DataAttribute>,
}

/// One attribute's definition. `id` is an integer in 2.14 and absent for standard ones.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct DataAttribute {
    #[serde(deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub model: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub full_name: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub label: Option<String>,
    /// `None` when Intercom sends none (the app then treats the value as text).
    pub data_type: Option<DataType>,
    #[serde(deserialize_with = "de::null_as_empty")]
    pub options: Vec<Value>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub api_writable: Option<bool>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub custom: Option<bool>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub archived: Option<bool>,
}

impl DataAttribute {
    /// The options as text (Intercom sends strings; anything else is shown as its JSON).
    pub fn option_texts(&self) -> Vec<String> {
        self.options
            .iter()
            .map(|o| match o {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    }

    /// Whether it is a custom attribute of conversations that the API may write: the ones
    /// an agent edits in the side panel. Standard attributes (no `custom_attributes.`
    /// prefix) are Intercom's own fields.
    pub fn is_editable_conversation_attribute(&self) -> bool {
        self.model.as_deref() == Some("conversation")
            && self.archived != Some(true)
            && self.api_writable != Some(false)
            && self
                .full_name
                .as_deref()
                .is_none_or(|f| f.starts_with("custom_attributes."))
            && self.name.as_deref().is_some_and(|n| !n.trim().is_empty())
    }
}

open_enum! {
    /// `sla_applied.sla_status`.
    SlaStatus { Hit => "hit", Missed => "missed", Cancelled => "cancelled", Active => "active" }
}

/// The SLA applied to a conversation, read leniently from `sla_applied`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaApplied {
    /// As the teammate named it (may be empty).
    pub name: String,
    /// `None` when Intercom sends null: an SLA removed by hand (the description says so).
    pub status: Option<SlaStatus>,
}

impl SlaApplied {
    /// Reads `sla_applied`: `None` for null or anything that is not an object.
    pub fn from_value(v: Option<&Value>) -> Option<SlaApplied> {
        let obj = v?.as_object()?;
        Some(SlaApplied {
            name: obj
                .get("sla_name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            status: obj
                .get("sla_status")
                .and_then(Value::as_str)
                .map(SlaStatus::from),
        })
    }
}

de::list_item!(WorkspaceTag, "data", |t| !t.id.is_empty());
de::list_item!(DataAttribute, "data", |a| a
    .name
    .as_deref()
    .is_some_and(|n| !n.is_empty()));

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sla_applied_is_read_whatever_shape_it_arrives_in() {
        let sla = SlaApplied::from_value(Some(
            &json!({"type": "conversation_sla_summary", "sla_name": "VIP", "sla_status": "active"}),
        ));
        assert_eq!(
            sla,
            Some(SlaApplied {
                name: "VIP".into(),
                status: Some(SlaStatus::Active)
            }),
            "the documented shape reads as is"
        );
        let removed = SlaApplied::from_value(Some(&json!({"sla_name": "VIP", "sla_status": null})));
        assert_eq!(
            removed.and_then(|s| s.status),
            None,
            "a cancelled SLA's status is null (the description says so), not an error"
        );
        assert_eq!(
            SlaApplied::from_value(Some(&json!("active"))),
            None,
            "a string where an object belongs is no SLA"
        );
        let odd = SlaApplied::from_value(Some(&json!({"sla_status": "paused"})));
        assert_eq!(
            odd.and_then(|s| s.status),
            Some(SlaStatus::Other("paused".into())),
            "an SLA status this client does not know is kept, not refused"
        );
    }

    #[test]
    fn data_attributes_tolerate_integer_ids_and_odd_options() {
        let page: DataAttributePage = serde_json::from_value(json!({"type": "list", "data": [
            {"id": 12878, "model": "conversation", "name": "Tier", "full_name": "custom_attributes.Tier",
             "data_type": "string", "options": ["gold", 3, null], "api_writable": true},
            {"model": "conversation", "name": "state", "full_name": "state", "data_type": "string"},
            null,
            {"model": "conversation", "name": "", "data_type": "decimal"}
        ]}))
        .expect("a list with a null and a nameless item still decodes");
        assert_eq!(
            page.data.len(),
            2,
            "the null and the nameless item are left out"
        );
        assert_eq!(
            page.data[0].id.as_deref(),
            Some("12878"),
            "integer ids read as text"
        );
        assert_eq!(
            page.data[0].option_texts(),
            vec!["gold", "3", "null"],
            "options that are not strings are shown as written, never dropped silently"
        );
        assert!(
            page.data[0].is_editable_conversation_attribute(),
            "a custom attribute"
        );
        assert!(
            !page.data[1].is_editable_conversation_attribute(),
            "Intercom's own `state` is not a custom attribute the side panel edits"
        );
    }
}
