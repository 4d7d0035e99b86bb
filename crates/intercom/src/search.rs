//! Search queries for `POST /conversations/search` and `POST /contacts/search`: a small
//! typed builder serialising to Intercom's grammar (`{field, operator, value}` filters and
//! `{operator: "AND"|"OR", value: [...]}` groups), or raw JSON.

use serde::Serialize;
use serde_json::{json, Value};

/// A filter operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `IN`: one of a list.
    In,
    /// `NIN`: none of a list.
    Nin,
    /// `>`: for conversations Intercom documents it as "greater than or equal".
    Gt,
    /// `<`: for conversations Intercom documents it as "lower than or equal".
    Lt,
    /// `>=`
    Gte,
    /// `<=`
    Lte,
    /// `~`
    Contains,
    /// `!~`
    NotContains,
    /// `^`
    StartsWith,
    /// `$`
    EndsWith,
}

impl Op {
    /// The wire operator.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::In => "IN",
            Self::Nin => "NIN",
            Self::Gt => ">",
            Self::Lt => "<",
            Self::Gte => ">=",
            Self::Lte => "<=",
            Self::Contains => "~",
            Self::NotContains => "!~",
            Self::StartsWith => "^",
            Self::EndsWith => "$",
        }
    }
}

/// A query: one filter, an AND/OR group of queries, or raw JSON passed through as given.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// `{field, operator, value}`.
    Filter {
        /// The field (`updated_at`, `state`, ...).
        field: String,
        /// The comparison.
        op: Op,
        /// What it is compared with.
        value: Value,
    },
    /// All of these.
    And(Vec<Query>),
    /// Any of these.
    Or(Vec<Query>),
    /// A query as JSON, sent as is.
    Raw(Value),
}

impl Query {
    /// `field op value`.
    pub fn filter(field: impl Into<String>, op: Op, value: impl Into<Value>) -> Self {
        Self::Filter {
            field: field.into(),
            op,
            value: value.into(),
        }
    }

    /// All of `queries` (Intercom allows at most 15 per group and 2 levels of nesting).
    pub fn and(queries: impl IntoIterator<Item = Query>) -> Self {
        Self::And(queries.into_iter().collect())
    }

    /// Any of `queries`.
    pub fn or(queries: impl IntoIterator<Item = Query>) -> Self {
        Self::Or(queries.into_iter().collect())
    }

    /// `updated_at > t` (inclusive for conversations), the incremental-sync filter.
    pub fn updated_since(t: i64) -> Self {
        Self::filter("updated_at", Op::Gt, t)
    }

    /// `field` within `[from, to]` (both inclusive for conversations), for backfill windows.
    pub fn between(field: &str, from: i64, to: i64) -> Self {
        Self::and([
            Self::filter(field, Op::Gt, from),
            Self::filter(field, Op::Lt, to),
        ])
    }

    /// The JSON Intercom expects.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Filter { field, op, value } => {
                json!({"field": field, "operator": op.as_str(), "value": value})
            }
            Self::And(qs) => {
                json!({"operator": "AND", "value": qs.iter().map(Self::to_json).collect::<Vec<_>>()})
            }
            Self::Or(qs) => {
                json!({"operator": "OR", "value": qs.iter().map(Self::to_json).collect::<Vec<_>>()})
            }
            Self::Raw(v) => v.clone(),
        }
    }
}

impl From<Value> for Query {
    fn from(v: Value) -> Self {
        Self::Raw(v)
    }
}

impl Serialize for Query {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// Sort order of a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Oldest (smallest) first.
    Ascending,
    /// Newest (largest) first.
    Descending,
}

/// A search: a query, an optional sort (documented by Intercom, absent from the 2.14 spec)
/// and an optional page size (the client's `per_page` otherwise).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// What to find.
    pub query: Query,
    /// The field to sort by, and the order.
    pub sort: Option<(String, Order)>,
    /// Items per page (the client's default when `None`).
    pub per_page: Option<u32>,
}

impl SearchRequest {
    /// A search for `query`, unsorted (Intercom's default order).
    pub fn new(query: impl Into<Query>) -> Self {
        Self {
            query: query.into(),
            sort: None,
            per_page: None,
        }
    }

    /// Sorts by `field` in `order`.
    pub fn sort(mut self, field: impl Into<String>, order: Order) -> Self {
        self.sort = Some((field.into(), order));
        self
    }

    /// Overrides the page size for this search; clamped to 1..=[`crate::MAX_PER_PAGE`] when
    /// sent, as the client's own `per_page` is.
    pub fn per_page(mut self, n: u32) -> Self {
        self.per_page = Some(n);
        self
    }

    /// The request body for one page.
    pub(crate) fn body(&self, per_page: u32, starting_after: Option<&str>) -> Value {
        // Intercom's maximum is 150 for every API: clamp rather than be refused.
        let per_page = self
            .per_page
            .unwrap_or(per_page)
            .clamp(1, crate::MAX_PER_PAGE);
        let mut pagination = json!({"per_page": per_page});
        if let Some(c) = starting_after {
            pagination["starting_after"] = json!(c);
        }
        let mut body = json!({"query": self.query.to_json(), "pagination": pagination});
        if let Some((field, order)) = &self.sort {
            let order = match order {
                Order::Ascending => "ascending",
                Order::Descending => "descending",
            };
            body["sort"] = json!({"field": field, "order": order});
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_serialises_to_intercoms_grammar() {
        let q = Query::and([
            Query::between("updated_at", 10, 20),
            Query::or([
                Query::filter("state", Op::Eq, "open"),
                Query::filter("read", Op::Eq, false),
            ]),
        ]);
        let body = SearchRequest::new(q)
            .sort("updated_at", Order::Ascending)
            .body(150, Some("c1"));
        assert_eq!(
            body,
            json!({
                "query": {"operator": "AND", "value": [
                    {"operator": "AND", "value": [
                        {"field": "updated_at", "operator": ">", "value": 10},
                        {"field": "updated_at", "operator": "<", "value": 20}]},
                    {"operator": "OR", "value": [
                        {"field": "state", "operator": "=", "value": "open"},
                        {"field": "read", "operator": "=", "value": false}]}]},
                "pagination": {"per_page": 150, "starting_after": "c1"},
                "sort": {"field": "updated_at", "order": "ascending"}
            }),
            "the body must follow the documented search grammar, with the cursor in pagination"
        );
    }
}
