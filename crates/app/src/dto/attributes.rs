//! Tags, SLAs and custom attributes as the UI shows them (issue 14), and the one place an
//! attribute value the agent typed is checked against its definition.

use agentdesk_store as store;
use serde::Serialize;
use serde_json::Value;

use crate::error::{AppError, AppResult};

/// A tag.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Tag {
    /// Tag id.
    pub id: String,
    /// Tag name.
    pub name: String,
}

impl Tag {
    /// The cached tag, named from the workspace's list when the conversation brought no name.
    pub(crate) fn of(t: &store::Tag, names: &std::collections::HashMap<String, String>) -> Tag {
        let name = if t.name.trim().is_empty() {
            names
                .get(&t.id)
                .cloned()
                .unwrap_or_else(|| format!("Tag {}", t.id))
        } else {
            t.name.clone()
        };
        Tag {
            id: t.id.clone(),
            name,
        }
    }
}

/// The SLA applied to a conversation. Intercom's API gives its name and status only, not
/// when it is due, so `due_at` is `null` (the UI then shows the status without a countdown).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Sla {
    /// As the teammate named it.
    pub name: String,
    /// `active`, `hit`, `missed` or `cancelled` (Intercom's null reads as `cancelled`: the
    /// description says a removed SLA has a null status).
    pub status: String,
    /// Unix seconds it is due, when known.
    pub due_at: Option<i64>,
}

impl From<&store::Sla> for Sla {
    fn from(s: &store::Sla) -> Sla {
        Sla {
            name: s.name.clone(),
            status: s.status.clone().unwrap_or_else(|| "cancelled".into()),
            due_at: None,
        }
    }
}

/// A custom attribute with its value.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Attribute {
    /// The key in `custom_attributes`.
    pub name: String,
    /// What the agent sees.
    pub label: String,
    /// `string`, `integer`, `float`, `boolean`, `datetime` or `list`.
    pub data_type: &'static str,
    /// The value (`null` when unset); a datetime is unix seconds.
    pub value: Value,
    /// The choices of a `list`.
    pub options: Option<Vec<String>>,
    /// Whether it may not be emptied.
    pub required: bool,
    /// Whether the agent may edit it here (values without a definition are shown only).
    pub editable: bool,
}

/// The UI's data type for Intercom's: a string with options is a list; `date` is a
/// datetime; anything unknown is text.
fn ui_type(def: &store::AttributeDef) -> &'static str {
    match def.data_type.as_str() {
        _ if !def.options.is_empty() => "list",
        "integer" => "integer",
        "float" => "float",
        "boolean" => "boolean",
        "date" | "datetime" => "datetime",
        _ => "string",
    }
}

/// A conversation's attributes: every defined one in Intercom's order (unset ones `null`),
/// then values Intercom sent without a definition (shown, not editable).
pub(crate) fn conversation_attributes(
    defs: &[store::AttributeDef],
    values: &serde_json::Map<String, Value>,
) -> Vec<Attribute> {
    let mut out: Vec<Attribute> = defs
        .iter()
        .map(|d| Attribute {
            name: d.name.clone(),
            label: d.label.clone(),
            data_type: ui_type(d),
            value: values.get(&d.name).cloned().unwrap_or(Value::Null),
            options: (!d.options.is_empty()).then(|| d.options.clone()),
            required: false,
            editable: true,
        })
        .collect();
    let mut extra: Vec<(&String, &Value)> = values
        .iter()
        .filter(|(k, _)| !defs.iter().any(|d| &d.name == *k))
        .collect();
    extra.sort_by(|a, b| a.0.cmp(b.0));
    out.extend(extra.into_iter().map(|(k, v)| Attribute {
        name: k.clone(),
        label: k.clone(),
        data_type: match v {
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() => "integer",
            Value::Number(_) => "float",
            _ => "string",
        },
        value: v.clone(),
        options: None,
        required: false,
        editable: false,
    }));
    out
}

/// Intercom's limit on a custom attribute's text.
const MAX_TEXT_CHARS: usize = 255;

/// Checks one value the agent set against its definition and returns what to send: `null`
/// clears it; numbers and booleans may arrive as text (a form field) and are read strictly.
/// The error names the attribute and says what it takes.
pub(crate) fn check_value(def: &store::AttributeDef, value: &Value) -> AppResult<Value> {
    let label = &def.label;
    let bad = |what: &str| AppError::invalid(format!("{label} takes {what}."));
    let text = match value {
        Value::Null => return Ok(Value::Null),
        Value::String(s) => Some(s.trim()),
        _ => None,
    };
    if text == Some("") {
        return Ok(Value::Null);
    }
    match ui_type(def) {
        "list" => match text {
            Some(t) if def.options.iter().any(|o| o == t) => Ok(Value::String(t.to_owned())),
            _ => Err(bad(&format!("one of: {}", def.options.join(", ")))),
        },
        "integer" => {
            let n = match (value, text) {
                (Value::Number(n), _) => n.as_i64(),
                (_, Some(t)) => t.parse::<i64>().ok(),
                _ => None,
            };
            n.map(Value::from).ok_or_else(|| bad("a whole number"))
        }
        "float" => {
            let n = match (value, text) {
                (Value::Number(n), _) => n.as_f64(),
                (_, Some(t)) => t.parse::<f64>().ok(),
                _ => None,
            };
            n.filter(|f| f.is_finite())
                .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
                .ok_or_else(|| bad("a number"))
        }
        "boolean" => match (value, text) {
            (Value::Bool(b), _) => Ok(Value::Bool(*b)),
            (_, Some("true")) => Ok(Value::Bool(true)),
            (_, Some("false")) => Ok(Value::Bool(false)),
            _ => Err(bad("yes or no")),
        },
        "datetime" => {
            let n = match (value, text) {
                (Value::Number(n), _) => n.as_i64(),
                (_, Some(t)) => t.parse::<i64>().ok(),
                _ => None,
            };
            n.filter(|t| *t >= 0)
                .map(Value::from)
                .ok_or_else(|| bad("a date"))
        }
        _ => match text {
            Some(t) if t.chars().count() <= MAX_TEXT_CHARS => {
                // One line of visible text: pasted control, bidi and invisible characters
                // are dropped as in a link's prefill.
                Ok(Value::String(
                    t.chars()
                        .filter(|c| {
                            crate::deeplink::is_kept_in_prefill(*c) && !c.is_whitespace()
                                || *c == ' '
                        })
                        .collect(),
                ))
            }
            Some(_) => Err(bad(&format!("at most {MAX_TEXT_CHARS} characters"))),
            None => Err(bad("text")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(name: &str, data_type: &str, options: &[&str]) -> store::AttributeDef {
        store::AttributeDef {
            name: name.into(),
            label: name.into(),
            data_type: data_type.into(),
            options: options.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn values_are_read_by_their_type_and_a_wrong_one_names_the_attribute() {
        let n = def("Order value", "integer", &[]);
        assert_eq!(
            check_value(&n, &json!(" 42 ")).unwrap(),
            json!(42),
            "a form's text"
        );
        assert_eq!(check_value(&n, &json!(7)).unwrap(), json!(7));
        let e = check_value(&n, &json!("4.5")).unwrap_err().to_string();
        assert!(
            e.contains("Order value") && e.contains("whole number"),
            "{e}"
        );
        assert_eq!(
            check_value(&n, &json!("")).unwrap(),
            Value::Null,
            "emptied clears"
        );

        let f = def("Refund", "float", &[]);
        assert_eq!(check_value(&f, &json!("12.5")).unwrap(), json!(12.5));
        assert!(
            check_value(&f, &json!("NaN")).is_err(),
            "not a finite number"
        );

        let b = def("Escalated", "boolean", &[]);
        assert_eq!(check_value(&b, &json!("true")).unwrap(), json!(true));
        assert!(check_value(&b, &json!("yes please")).is_err());

        let l = def("Channel", "string", &["web", "email"]);
        assert_eq!(check_value(&l, &json!("email")).unwrap(), json!("email"));
        let e = check_value(&l, &json!("fax")).unwrap_err().to_string();
        assert!(e.contains("web, email"), "the choices are named: {e}");

        let d = def("Follow up", "date", &[]);
        assert_eq!(
            check_value(&d, &json!(1_700_000_000)).unwrap(),
            json!(1_700_000_000)
        );
        assert!(check_value(&d, &json!(-5)).is_err());

        let t = def("Note", "string", &[]);
        assert_eq!(
            check_value(&t, &json!("a\u{202e}b")).unwrap(),
            json!("ab"),
            "pasted control and bidi characters are dropped"
        );
        assert!(
            check_value(&t, &json!("x".repeat(256))).is_err(),
            "Intercom's 255 limit"
        );
    }

    #[test]
    fn defined_attributes_come_in_order_and_undefined_values_are_shown_read_only() {
        let defs = vec![
            def("Channel", "string", &["web"]),
            def("Tier", "string", &[]),
        ];
        let values = json!({"Tier": "gold", "Legacy": 3})
            .as_object()
            .cloned()
            .unwrap();
        let out = conversation_attributes(&defs, &values);
        let names: Vec<(&str, &str, bool)> = out
            .iter()
            .map(|a| (a.name.as_str(), a.data_type, a.editable))
            .collect();
        assert_eq!(
            names,
            [
                ("Channel", "list", true),
                ("Tier", "string", true),
                ("Legacy", "integer", false)
            ]
        );
        assert_eq!(out[0].value, Value::Null, "unset is null");
    }
}
