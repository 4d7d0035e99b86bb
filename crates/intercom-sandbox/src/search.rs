//! Search and paging: the query grammar of `POST /conversations/search` and
//! `POST /contacts/search` (parsing, validation, evaluation), sorting, and the stateless
//! cursors shared with `GET /conversations`.
//!
//! A cursor is `base64url("{sort_key}.{id}.{page}")` of the last item served: the next page
//! is every item strictly after that position in the requested order. Nothing is kept on
//! the server, so an item whose `updated_at` changes between two page requests moves, and
//! a careless client sees it twice or never, exactly as Intercom warns.

use std::borrow::Cow;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::model::{Contact, Conversation, Lookup};

/// Intercom's limits on the query grammar.
pub(crate) const MAX_FILTERS_PER_GROUP: usize = 15;
pub(crate) const MAX_NESTING: usize = 2;
pub(crate) const MAX_PER_PAGE: usize = 150;

/// A position in a sorted result: the sort key and the id of the last item served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub key: i64,
    pub id: u64,
    /// The number of the page this cursor leads to.
    pub page: u32,
}

impl Cursor {
    pub(crate) fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}.{}.{}", self.key, self.id, self.page))
    }

    pub(crate) fn decode(raw: &str) -> Result<Cursor, ApiError> {
        let bad = || {
            ApiError::invalid(
                "starting_after",
                format!("starting_after '{raw}' is not a cursor this API returned"),
            )
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(raw.trim().trim_end_matches('='))
            .map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut it = text.split('.');
        let key = it.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let id = it.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let page: u32 = it.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        if it.next().is_some() {
            return Err(bad());
        }
        // A crafted cursor must not make `take_page` overflow when it numbers the next page.
        if page == 0 || page.checked_add(1).is_none() {
            return Err(ApiError::invalid(
                "starting_after",
                format!("starting_after '{raw}' names page {page}, which no cursor of this API leads to"),
            ));
        }
        Ok(Cursor { key, id, page })
    }
}

/// One page of ids plus what the `pages` object needs.
#[derive(Clone, Debug)]
pub(crate) struct Page {
    pub ids: Vec<u64>,
    pub total: usize,
    pub page: u32,
    pub per_page: usize,
    pub next: Option<Cursor>,
}

impl Page {
    /// The `cursor_pages` object; `next` is absent on the last page.
    pub(crate) fn pages_json(&self) -> Value {
        let mut v = json!({
            "type": "pages",
            "page": self.page,
            "per_page": self.per_page,
            "total_pages": self.total.div_ceil(self.per_page.max(1)),
        });
        if let (Some(next), Some(obj)) = (self.next, v.as_object_mut()) {
            obj.insert(
                "next".into(),
                json!({"per_page": self.per_page, "starting_after": next.encode()}),
            );
        }
        v
    }
}

/// Takes one page from an iterator already in the requested order, positioned after the
/// cursor.
pub(crate) fn take_page(
    iter: impl Iterator<Item = (i64, u64)>,
    total: usize,
    per_page: usize,
    cursor: Option<Cursor>,
) -> Page {
    let page_no = cursor.map_or(1, |c| c.page);
    let mut items: Vec<(i64, u64)> = iter.take(per_page + 1).collect();
    let has_more = items.len() > per_page;
    items.truncate(per_page);
    let next = match (has_more, items.last()) {
        (true, Some(&(key, id))) => Some(Cursor {
            key,
            id,
            // `Cursor::decode` refused pages that have no successor.
            page: page_no.saturating_add(1),
        }),
        _ => None,
    };
    Page {
        ids: items.into_iter().map(|(_, id)| id).collect(),
        total,
        page: page_no,
        per_page,
        next,
    }
}

/// Sorts matches and cuts the page after the cursor.
#[cfg(test)]
pub(crate) fn paginate(
    mut matches: Vec<(i64, u64)>,
    descending: bool,
    per_page: usize,
    cursor: Option<Cursor>,
) -> Page {
    sort(&mut matches, descending);
    page_of(&matches, descending, per_page, cursor)
}

/// Sorts matches into the requested order.
pub(crate) fn sort(matches: &mut [(i64, u64)], descending: bool) {
    if descending {
        matches.sort_unstable_by(|a, b| b.cmp(a));
    } else {
        matches.sort_unstable();
    }
}

/// Where the page after `cursor` starts in matches already sorted.
fn start_after(sorted: &[(i64, u64)], descending: bool, cursor: Option<Cursor>) -> usize {
    match cursor {
        None => 0,
        Some(c) if descending => sorted.partition_point(|&k| k >= (c.key, c.id)),
        Some(c) => sorted.partition_point(|&k| k <= (c.key, c.id)),
    }
}

/// The page after the cursor in matches already sorted.
pub(crate) fn page_of(
    sorted: &[(i64, u64)],
    descending: bool,
    per_page: usize,
    cursor: Option<Cursor>,
) -> Page {
    let start = start_after(sorted, descending, cursor);
    take_page(
        sorted[start..].iter().copied(),
        sorted.len(),
        per_page,
        cursor,
    )
}

/// The ids of the page before the one `cursor` leads to (the page the cursor ended), in
/// matches already sorted: what a repeated page answers.
pub(crate) fn previous_ids(
    sorted: &[(i64, u64)],
    descending: bool,
    per_page: usize,
    cursor: Cursor,
) -> Vec<u64> {
    let end = start_after(sorted, descending, Some(cursor));
    sorted[end.saturating_sub(per_page)..end]
        .iter()
        .map(|&(_, id)| id)
        .collect()
}

/// The cursor that ends the first page of matches already sorted (None if one page
/// holds them all).
pub(crate) fn first_page_cursor(sorted: &[(i64, u64)], per_page: usize) -> Option<Cursor> {
    (sorted.len() > per_page)
        .then(|| sorted.get(per_page.checked_sub(1)?).copied())
        .flatten()
        .map(|(key, id)| Cursor { key, id, page: 2 })
}

/// Reads `per_page` (int or numeric string) and checks its range.
pub(crate) fn parse_per_page(v: Option<&Value>, default: usize) -> Result<usize, ApiError> {
    let n = match v {
        None | Some(Value::Null) => return Ok(default),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    };
    match n {
        Some(n) if (1..=MAX_PER_PAGE as i64).contains(&n) => Ok(n as usize),
        Some(n) => Err(ApiError::invalid(
            "per_page",
            format!("per_page must be between 1 and {MAX_PER_PAGE}, got {n}"),
        )),
        None => Err(ApiError::invalid("per_page", "per_page must be an integer")),
    }
}

/// Reads the `pagination` object of a search body.
pub(crate) fn parse_pagination(
    body: &Value,
    default: usize,
) -> Result<(usize, Option<Cursor>), ApiError> {
    match body.get("pagination") {
        None | Some(Value::Null) => Ok((default, None)),
        Some(Value::Object(p)) => {
            let per_page = parse_per_page(p.get("per_page"), default)?;
            let cursor = match p.get("starting_after") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(Cursor::decode(s)?),
                Some(_) => {
                    return Err(ApiError::invalid(
                        "starting_after",
                        "starting_after must be a string",
                    ))
                }
            };
            Ok((per_page, cursor))
        }
        Some(_) => Err(ApiError::invalid(
            "pagination",
            "pagination must be an object with per_page and starting_after",
        )),
    }
}

/// The kinds of searchable fields, which decide the operators allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    /// Unix seconds compared exactly (conversations).
    Date,
    /// Unix seconds compared by UTC calendar day (contacts, as documented).
    DayDate,
    Str,
    Bool,
    /// A list of strings; `=` means "contains".
    List,
    /// Tokenised text (`source.body`).
    Text,
    /// An assignee id, where `0` and `null` both mean unassigned.
    Assignee,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    In,
    Nin,
    Gt,
    Lt,
    Ge,
    Le,
    Contains,
    NotContains,
    Starts,
    Ends,
}

#[derive(Clone, Debug, PartialEq)]
enum Scalar {
    Null,
    Int(i64),
    Str(String),
    Bool(bool),
}

#[derive(Clone, Debug)]
enum Node {
    Filter {
        field: String,
        kind: Kind,
        op: Op,
        values: Vec<Scalar>,
    },
    Group {
        and: bool,
        children: Vec<Node>,
    },
}

/// A validated search query.
#[derive(Clone, Debug)]
pub(crate) struct Query(Node);

/// The value of one field of one record.
pub(crate) enum FieldVal<'a> {
    Int(Option<i64>),
    Str(Option<Cow<'a, str>>),
    Bool(bool),
    List(Vec<Cow<'a, str>>),
}

/// What a searchable resource must say about its fields.
pub(crate) trait Searchable {
    fn kind_of(field: &str) -> Option<Kind>;
    fn fields_hint() -> &'static str;
    fn value<'a>(&'a self, field: &str, lk: &Lookup<'a>) -> FieldVal<'a>;
}

const CONVERSATION_FIELDS: &str = "id, created_at, updated_at, state, open, read, priority, title, admin_assignee_id, team_assignee_id, waiting_since, snoozed_until, contact_ids, teammate_ids, tag_ids, source.type, source.delivered_as, source.subject, source.body, source.author.id, source.author.type, source.author.email";

impl Searchable for Conversation {
    fn kind_of(field: &str) -> Option<Kind> {
        Some(match field {
            "id" => Kind::Int,
            "created_at" | "updated_at" | "waiting_since" | "snoozed_until" => Kind::Date,
            "state"
            | "priority"
            | "title"
            | "source.type"
            | "source.delivered_as"
            | "source.subject"
            | "source.author.id"
            | "source.author.type"
            | "source.author.email" => Kind::Str,
            "open" | "read" => Kind::Bool,
            "admin_assignee_id" | "team_assignee_id" => Kind::Assignee,
            "contact_ids" | "teammate_ids" | "tag_ids" => Kind::List,
            "source.body" => Kind::Text,
            _ => return None,
        })
    }

    fn fields_hint() -> &'static str {
        CONVERSATION_FIELDS
    }

    fn value<'a>(&'a self, field: &str, lk: &Lookup<'a>) -> FieldVal<'a> {
        let author = match self.source.author {
            crate::model::Author::Contact(i) => lk.contacts.get(i),
            _ => None,
        };
        match field {
            "id" => FieldVal::Int(Some(self.id as i64)),
            "created_at" => FieldVal::Int(Some(self.created_at)),
            "updated_at" => FieldVal::Int(Some(self.updated_at)),
            "waiting_since" => FieldVal::Int(self.waiting_since),
            "snoozed_until" => FieldVal::Int(self.snoozed_until),
            "admin_assignee_id" => FieldVal::Int(self.admin_assignee_id.map(|v| v as i64)),
            "team_assignee_id" => FieldVal::Int(self.team_assignee_id.map(|v| v as i64)),
            "state" => FieldVal::Str(Some(Cow::Borrowed(self.state.as_str()))),
            "priority" => FieldVal::Str(Some(Cow::Borrowed(if self.priority {
                "priority"
            } else {
                "not_priority"
            }))),
            "title" => FieldVal::Str(self.title.as_deref().map(Cow::Borrowed)),
            "open" => FieldVal::Bool(self.is_open()),
            "read" => FieldVal::Bool(self.read),
            "contact_ids" => FieldVal::List(
                self.contacts
                    .iter()
                    .filter_map(|c| lk.contacts.get(*c))
                    .map(|c| Cow::Borrowed(c.id.as_str()))
                    .collect(),
            ),
            "teammate_ids" => FieldVal::List(
                self.teammates
                    .iter()
                    .map(|t| Cow::Owned(t.to_string()))
                    .collect(),
            ),
            "tag_ids" => FieldVal::List(
                self.tags
                    .iter()
                    .filter_map(|t| lk.tags.get(t.tag))
                    .map(|t| Cow::Owned(t.id.to_string()))
                    .collect(),
            ),
            "source.type" => FieldVal::Str(Some(Cow::Borrowed(self.source.kind))),
            "source.delivered_as" => FieldVal::Str(Some(Cow::Borrowed(self.source.delivered_as))),
            "source.subject" => FieldVal::Str(Some(Cow::Borrowed(self.source.subject.as_str()))),
            "source.body" => FieldVal::Str(Some(Cow::Borrowed(self.source.body.as_str()))),
            "source.author.id" => FieldVal::Str(author.map(|c| Cow::Borrowed(c.id.as_str()))),
            "source.author.type" => FieldVal::Str(author.map(|c| Cow::Borrowed(c.role))),
            "source.author.email" => FieldVal::Str(author.map(|c| Cow::Borrowed(c.email.as_str()))),
            _ => FieldVal::Str(None),
        }
    }
}

const CONTACT_FIELDS: &str =
    "id, external_id, email, name, phone, role, owner_id, created_at, updated_at, signed_up_at, last_seen_at, last_replied_at";

impl Searchable for Contact {
    fn kind_of(field: &str) -> Option<Kind> {
        Some(match field {
            "id" | "external_id" | "email" | "name" | "phone" | "role" => Kind::Str,
            "owner_id" => Kind::Int,
            "created_at" | "updated_at" | "signed_up_at" | "last_seen_at" | "last_replied_at" => {
                Kind::DayDate
            }
            _ => return None,
        })
    }

    fn fields_hint() -> &'static str {
        CONTACT_FIELDS
    }

    fn value<'a>(&'a self, field: &str, _lk: &Lookup<'a>) -> FieldVal<'a> {
        let s = |v: Option<&'a String>| FieldVal::Str(v.map(|x| Cow::Borrowed(x.as_str())));
        match field {
            "id" => s(Some(&self.id)),
            "external_id" => s(self.external_id.as_ref()),
            "email" => s(Some(&self.email)),
            "name" => s(self.name.as_ref()),
            "phone" => s(self.phone.as_ref()),
            "role" => FieldVal::Str(Some(Cow::Borrowed(self.role))),
            "owner_id" => FieldVal::Int(self.owner_id.map(|v| v as i64)),
            "created_at" => FieldVal::Int(Some(self.created_at)),
            "updated_at" => FieldVal::Int(Some(self.updated_at)),
            "signed_up_at" => FieldVal::Int(self.signed_up_at),
            "last_seen_at" => FieldVal::Int(self.last_seen_at),
            "last_replied_at" => FieldVal::Int(self.last_replied_at),
            _ => FieldVal::Str(None),
        }
    }
}

fn parse_op(raw: &str) -> Option<Op> {
    Some(match raw {
        "=" => Op::Eq,
        "!=" => Op::Ne,
        "IN" => Op::In,
        "NIN" => Op::Nin,
        ">" => Op::Gt,
        "<" => Op::Lt,
        ">=" => Op::Ge,
        "<=" => Op::Le,
        "~" => Op::Contains,
        "!~" => Op::NotContains,
        "^" => Op::Starts,
        "$" => Op::Ends,
        _ => return None,
    })
}

fn allowed(kind: Kind, op: Op) -> bool {
    use Op::*;
    match kind {
        Kind::Int | Kind::Assignee => matches!(op, Eq | Ne | In | Nin | Gt | Lt | Ge | Le),
        Kind::Date => matches!(op, Eq | Ne | In | Nin | Gt | Lt | Ge | Le),
        Kind::DayDate => matches!(op, Eq | Gt | Lt),
        Kind::Str | Kind::Text => matches!(
            op,
            Eq | Ne | In | Nin | Contains | NotContains | Starts | Ends
        ),
        Kind::Bool | Kind::List => matches!(op, Eq | Ne | In | Nin),
    }
}

fn scalar(field: &str, kind: Kind, v: &Value) -> Result<Scalar, ApiError> {
    let wrong = |want: &str| {
        ApiError::invalid(
            field,
            format!("the value for '{field}' must be {want}, got {v}"),
        )
    };
    match (kind, v) {
        (_, Value::Null) => Ok(Scalar::Null),
        (Kind::Int | Kind::Date | Kind::DayDate | Kind::Assignee, Value::Number(n)) => n
            .as_i64()
            .map(Scalar::Int)
            .ok_or_else(|| wrong("an integer")),
        (Kind::Int | Kind::Date | Kind::DayDate | Kind::Assignee, Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Scalar::Int)
            .map_err(|_| wrong("an integer")),
        (Kind::Int | Kind::Date | Kind::DayDate | Kind::Assignee, _) => Err(wrong("an integer")),
        (Kind::Bool, Value::Bool(b)) => Ok(Scalar::Bool(*b)),
        (Kind::Bool, Value::String(s)) if s == "true" || s == "false" => {
            Ok(Scalar::Bool(s == "true"))
        }
        (Kind::Bool, _) => Err(wrong("a boolean")),
        (Kind::Str | Kind::List | Kind::Text, Value::String(s)) => Ok(Scalar::Str(s.clone())),
        (Kind::Str | Kind::List | Kind::Text, Value::Number(n)) => Ok(Scalar::Str(n.to_string())),
        (Kind::Str | Kind::List | Kind::Text, _) => Err(wrong("a string")),
    }
}

fn parse_node<S: Searchable>(v: &Value, depth: usize) -> Result<Node, ApiError> {
    let Some(obj) = v.as_object() else {
        return Err(ApiError::invalid(
            "query",
            format!("each filter must be an object with field, operator and value, got {v}"),
        ));
    };
    // The description's single_filter_search_request has field, operator and value, and
    // its multiple_filter_search_request operator and value: anything else is a typo whose
    // filter would otherwise be silently dropped or misread.
    let keys: &[&str] = if obj.contains_key("field") {
        &["field", "operator", "value"]
    } else {
        &["operator", "value"]
    };
    if let Some(k) = obj.keys().find(|k| !keys.contains(&k.as_str())) {
        let what = if keys.len() == 3 {
            "a filter"
        } else {
            "an AND/OR group"
        };
        return Err(ApiError::invalid(
            "query",
            format!(
                "unknown key '{k}' in {what}; it takes only {}",
                keys.join(", ")
            ),
        ));
    }
    if let Some(field) = obj.get("field") {
        let field = field
            .as_str()
            .ok_or_else(|| ApiError::invalid("query", "a filter's field must be a string"))?;
        let kind = S::kind_of(field).ok_or_else(|| {
            ApiError::invalid(
                field,
                format!(
                    "'{field}' is not a searchable field; searchable fields are: {}",
                    S::fields_hint()
                ),
            )
        })?;
        let raw_op = obj.get("operator").and_then(Value::as_str).ok_or_else(|| {
            ApiError::invalid(field, format!("the filter on '{field}' needs an operator"))
        })?;
        let op = parse_op(raw_op).ok_or_else(|| {
            ApiError::invalid(field, format!("operator '{raw_op}' is not supported; use one of =, !=, IN, NIN, >, <, ~, !~, ^, $"))
        })?;
        if !allowed(kind, op) {
            return Err(ApiError::invalid(
                field,
                format!("operator '{raw_op}' cannot be used on the field '{field}'"),
            ));
        }
        let Some(value) = obj.get("value") else {
            return Err(ApiError::invalid(
                field,
                format!("the filter on '{field}' needs a value"),
            ));
        };
        let values = match (op, value) {
            (Op::In | Op::Nin, Value::Array(items)) => items
                .iter()
                .map(|i| scalar(field, kind, i))
                .collect::<Result<Vec<_>, _>>()?,
            (Op::In | Op::Nin, _) => {
                return Err(ApiError::invalid(
                    field,
                    format!("operator '{raw_op}' needs an array value"),
                ))
            }
            (_, Value::Array(_)) => {
                return Err(ApiError::invalid(
                    field,
                    format!("operator '{raw_op}' needs a single value, not an array"),
                ))
            }
            (_, v) => vec![scalar(field, kind, v)?],
        };
        if matches!(
            op,
            Op::Gt
                | Op::Lt
                | Op::Ge
                | Op::Le
                | Op::Contains
                | Op::NotContains
                | Op::Starts
                | Op::Ends
        ) && values.contains(&Scalar::Null)
        {
            return Err(ApiError::invalid(
                field,
                format!("operator '{raw_op}' needs a non-null value"),
            ));
        }
        return Ok(Node::Filter {
            field: field.to_string(),
            kind,
            op,
            values,
        });
    }
    let and = match obj.get("operator").and_then(Value::as_str) {
        Some("AND") => true,
        Some("OR") => false,
        Some(other) => {
            return Err(ApiError::invalid(
                "query",
                format!("group operator '{other}' is not supported; use AND or OR"),
            ))
        }
        None => {
            return Err(ApiError::invalid(
                "query",
                "a filter needs a field, or a group needs an operator AND/OR",
            ))
        }
    };
    if depth >= MAX_NESTING {
        return Err(ApiError::invalid(
            "query",
            format!("the query nests AND/OR groups too deeply: at most {MAX_NESTING} levels of nesting are allowed"),
        ));
    }
    let Some(items) = obj.get("value").and_then(Value::as_array) else {
        return Err(ApiError::invalid(
            "query",
            "an AND/OR group's value must be an array of filters",
        ));
    };
    if items.is_empty() {
        return Err(ApiError::invalid(
            "query",
            "an AND/OR group needs at least one filter in its value",
        ));
    }
    if items.len() > MAX_FILTERS_PER_GROUP {
        return Err(ApiError::invalid(
            "query",
            format!("an AND/OR group holds {} filters; at most {MAX_FILTERS_PER_GROUP} are allowed per group", items.len()),
        ));
    }
    let children = items
        .iter()
        .map(|i| parse_node::<S>(i, depth + 1))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Node::Group { and, children })
}

impl Query {
    /// Parses and validates the `query` member of a search body.
    pub(crate) fn parse<S: Searchable>(body: &Value) -> Result<Query, ApiError> {
        match body.get("query") {
            None | Some(Value::Null) => Err(ApiError::missing("query")),
            Some(q) => parse_node::<S>(q, 0).map(Query),
        }
    }

    pub(crate) fn matches<S: Searchable>(&self, item: &S, lk: &Lookup<'_>) -> bool {
        eval(&self.0, item, lk)
    }

    /// Inclusive bounds that every match's `field` (an exact integer or date field) lies
    /// within, as far as the query confines it (`i64::MIN`/`i64::MAX` where it does not).
    /// Lets a search skip records outside them; the records inside are still evaluated.
    pub(crate) fn int_bounds(&self, field: &str) -> (i64, i64) {
        bounds(&self.0, field)
    }
}

fn bounds(node: &Node, field: &str) -> (i64, i64) {
    const ALL: (i64, i64) = (i64::MIN, i64::MAX);
    match node {
        Node::Group {
            and: true,
            children,
        } => children.iter().fold(ALL, |(lo, hi), c| {
            let (l, h) = bounds(c, field);
            (lo.max(l), hi.min(h))
        }),
        Node::Group {
            and: false,
            children,
        } => children
            .iter()
            .map(|c| bounds(c, field))
            .reduce(|(lo, hi), (l, h)| (lo.min(l), hi.max(h)))
            .unwrap_or(ALL),
        Node::Filter {
            field: f,
            kind: Kind::Int | Kind::Date,
            op,
            values,
        } if f == field => match (op, values.as_slice()) {
            // `>` and `<` are inclusive in Intercom's search, as in `compare`.
            (Op::Gt | Op::Ge, [Scalar::Int(v)]) => (*v, i64::MAX),
            (Op::Lt | Op::Le, [Scalar::Int(v)]) => (i64::MIN, *v),
            (Op::Eq, [Scalar::Int(v)]) => (*v, *v),
            _ => ALL,
        },
        Node::Filter { .. } => ALL,
    }
}

fn eval<S: Searchable>(node: &Node, item: &S, lk: &Lookup<'_>) -> bool {
    match node {
        Node::Group {
            and: true,
            children,
        } => children.iter().all(|c| eval(c, item, lk)),
        Node::Group {
            and: false,
            children,
        } => children.iter().any(|c| eval(c, item, lk)),
        Node::Filter {
            field,
            kind,
            op,
            values,
        } => {
            let v = item.value(field, lk);
            match op {
                Op::Ne => !values.iter().any(|x| eq(*kind, &v, x)),
                Op::Nin => !values.iter().any(|x| eq(*kind, &v, x)),
                Op::Eq | Op::In => values.iter().any(|x| eq(*kind, &v, x)),
                _ => values.first().is_some_and(|x| compare(*kind, *op, &v, x)),
            }
        }
    }
}

const DAY: i64 = 86_400;

fn eq(kind: Kind, v: &FieldVal<'_>, x: &Scalar) -> bool {
    match (v, x) {
        (FieldVal::Int(a), Scalar::Int(b)) if kind == Kind::Assignee && *b == 0 => a.is_none(),
        (FieldVal::Int(a), Scalar::Null) => a.is_none(),
        (FieldVal::Int(Some(a)), Scalar::Int(b)) if kind == Kind::DayDate => {
            a.div_euclid(DAY) == b.div_euclid(DAY)
        }
        (FieldVal::Int(Some(a)), Scalar::Int(b)) => a == b,
        (FieldVal::Str(a), Scalar::Null) => a.is_none(),
        (FieldVal::Str(Some(a)), Scalar::Str(b)) if kind == Kind::Text => {
            plain_lower(a) == b.to_lowercase()
        }
        (FieldVal::Str(Some(a)), Scalar::Str(b)) => a == b,
        (FieldVal::Bool(a), Scalar::Bool(b)) => a == b,
        (FieldVal::List(items), Scalar::Str(b)) => items.iter().any(|i| i == b),
        (FieldVal::List(items), Scalar::Null) => items.is_empty(),
        _ => false,
    }
}

fn plain_lower(html: &str) -> String {
    crate::model::plaintext(html).to_lowercase()
}

fn compare(kind: Kind, op: Op, v: &FieldVal<'_>, x: &Scalar) -> bool {
    match (v, x) {
        (FieldVal::Int(Some(a)), Scalar::Int(b)) => {
            let a = *a;
            let b = *b;
            if kind == Kind::DayDate {
                // Contacts compare whole UTC days: `>` from the next day on, `<` before that day.
                let day_start = b.div_euclid(DAY) * DAY;
                return match op {
                    Op::Gt => a >= day_start + DAY,
                    Op::Lt => a < day_start,
                    _ => false,
                };
            }
            // Conversation `>` and `<` are inclusive, as documented.
            match op {
                Op::Gt | Op::Ge => a >= b,
                Op::Lt | Op::Le => a <= b,
                _ => false,
            }
        }
        (FieldVal::Str(Some(a)), Scalar::Str(b)) => {
            let b = b.to_lowercase();
            if kind == Kind::Text {
                let text = plain_lower(a);
                return match op {
                    Op::Contains => tokens(&text).any(|t| t == b),
                    Op::NotContains => !tokens(&text).any(|t| t == b),
                    Op::Starts => text.starts_with(&b),
                    Op::Ends => text.ends_with(&b),
                    _ => false,
                };
            }
            let a = a.to_lowercase();
            match op {
                Op::Contains => a.contains(&b),
                Op::NotContains => !a.contains(&b),
                Op::Starts => a.starts_with(&b),
                Op::Ends => a.ends_with(&b),
                _ => false,
            }
        }
        (FieldVal::Str(None), Scalar::Str(_)) => op == Op::NotContains,
        _ => false,
    }
}

fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .filter(|t| !t.is_empty())
}

/// The `sort` object of a search: field and direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sort {
    pub field: SortField,
    pub descending: bool,
}

/// Fields a search can sort on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SortField {
    UpdatedAt,
    CreatedAt,
    WaitingSince,
    LastSeenAt,
}

/// Reads the optional `sort` object (default: `default` descending).
pub(crate) fn parse_sort(
    body: &Value,
    default: SortField,
    allowed: &[(&str, SortField)],
) -> Result<Sort, ApiError> {
    let Some(sort) = body.get("sort").filter(|s| !s.is_null()) else {
        return Ok(Sort {
            field: default,
            descending: true,
        });
    };
    let Some(obj) = sort.as_object() else {
        return Err(ApiError::invalid(
            "sort",
            "sort must be an object with field and order",
        ));
    };
    let field = match obj.get("field").and_then(Value::as_str) {
        None => default,
        Some(name) => allowed
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
                ApiError::invalid(
                    "sort",
                    format!(
                        "cannot sort on '{name}'; sortable fields are: {}",
                        names.join(", ")
                    ),
                )
            })?,
    };
    let descending = match obj.get("order").and_then(Value::as_str) {
        None | Some("descending") => true,
        Some("ascending") => false,
        Some(other) => {
            return Err(ApiError {
                field: Some("sort.order".into()),
                ..ApiError::new(
                    400,
                    "invalid_sort_order",
                    format!("sort order '{other}' is invalid; use ascending or descending"),
                )
            })
        }
    };
    Ok(Sort { field, descending })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_bounds_confine_only_what_every_match_satisfies() {
        use crate::model::Conversation;
        let q =
            |v: Value| Query::parse::<Conversation>(&serde_json::json!({ "query": v })).unwrap();
        let window = q(serde_json::json!({"operator": "AND", "value": [
            {"field": "created_at", "operator": ">", "value": 100},
            {"field": "created_at", "operator": "<", "value": 200},
            {"field": "state", "operator": "=", "value": "open"}]}));
        assert_eq!(
            window.int_bounds("created_at"),
            (100, 200),
            "an AND of inclusive > and < bounds the field on both sides"
        );
        let either = q(serde_json::json!({"operator": "OR", "value": [
            {"field": "created_at", "operator": ">", "value": 100},
            {"field": "state", "operator": "=", "value": "open"}]}));
        assert_eq!(
            either.int_bounds("created_at"),
            (i64::MIN, i64::MAX),
            "an OR with a branch that does not bound the field bounds nothing"
        );
        let updated = q(serde_json::json!({"field": "updated_at", "operator": ">", "value": 5}));
        assert_eq!(
            updated.int_bounds("created_at"),
            (i64::MIN, i64::MAX),
            "a filter on another field bounds nothing"
        );
        let exact = q(serde_json::json!({"field": "created_at", "operator": "=", "value": 7}));
        assert_eq!(exact.int_bounds("created_at"), (7, 7), "= is a point");
    }

    #[test]
    fn cursor_round_trips() {
        let c = Cursor {
            key: 1_700_000_000,
            id: 42,
            page: 3,
        };
        assert_eq!(
            Cursor::decode(&c.encode()),
            Ok(c),
            "a cursor must decode to what was encoded"
        );
        assert!(
            Cursor::decode("not a cursor!").is_err(),
            "garbage must be rejected, not panic"
        );
    }

    #[test]
    fn paginate_desc_resumes_strictly_after_cursor() {
        let items = vec![(5, 1), (7, 2), (7, 3), (9, 4)];
        let first = paginate(items.clone(), true, 2, None);
        assert_eq!(first.ids, vec![4, 3], "newest first");
        let second = paginate(items, true, 2, first.next);
        assert_eq!(
            second.ids,
            vec![2, 1],
            "the second page continues after the cursor"
        );
        assert!(second.next.is_none(), "the last page has no next cursor");
    }
}
