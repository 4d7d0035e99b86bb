//! The ticket endpoints: `POST /tickets/search` (one page, or a stream of pages resumable
//! from a stored cursor), `GET /tickets/{id}` (with parts), `POST /tickets`,
//! `PUT /tickets/{id}`, `POST /tickets/{id}/reply`, tagging, `GET /ticket_types` and
//! `GET /ticket_states`. A token whose app lacks the tickets permission gets
//! `ErrorKind::Forbidden` naming it, as for conversations.

use reqwest::Method;
use serde_json::{json, Value};

use super::{advance, cursor_page, Client};
use crate::error::ApiError;
use crate::models::{
    JsonMap, Tag, Ticket, TicketList, TicketPart, TicketState, TicketStateList, TicketType,
    TicketTypeList,
};
use crate::page::{Page, Pages};
use crate::requests::Reply;
use crate::search::SearchRequest;

/// What `PUT /tickets/{id}` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketUpdate {
    /// The acting admin.
    pub admin_id: Option<String>,
    /// A state of the workspace (`GET /ticket_states`).
    pub ticket_state_id: Option<String>,
    /// Attribute name to value (list attributes by option id or label).
    pub ticket_attributes: JsonMap,
    /// `false` closes (resolves) the ticket.
    pub open: Option<bool>,
    /// An admin or team id; `"0"` unassigns.
    pub assignee_id: Option<String>,
}

impl TicketUpdate {
    /// The request body.
    pub fn to_json(&self) -> Value {
        let mut v = json!({});
        if let Some(a) = &self.admin_id {
            // The description types `admin_id` here as an integer.
            v["admin_id"] = a.parse::<i64>().map_or_else(|_| json!(a), |n| json!(n));
        }
        if let Some(s) = &self.ticket_state_id {
            v["ticket_state_id"] = json!(s);
        }
        if !self.ticket_attributes.is_empty() {
            v["ticket_attributes"] = Value::Object(self.ticket_attributes.clone());
        }
        if let Some(o) = self.open {
            v["open"] = json!(o);
        }
        if let Some(a) = &self.assignee_id {
            v["assignee_id"] = json!(a);
        }
        v
    }
}

impl Client {
    /// One page of `POST /tickets/search`, starting after `cursor`.
    pub async fn search_tickets_page(
        &self,
        search: &SearchRequest,
        cursor: Option<&str>,
    ) -> Result<Page<Ticket>, ApiError> {
        let body = search.body(self.inner.per_page, cursor);
        let call = self.json_call(
            Method::POST,
            "POST /tickets/search",
            self.url(&["tickets", "search"]),
            &body,
            false,
        );
        let (list, rid): (TicketList, _) = self.call(call).await?;
        Ok(cursor_page(list.tickets, list.total_count, list.pages, rid))
    }

    /// All pages of a ticket search from `cursor` on (a stored checkpoint, or `None`).
    pub fn search_tickets(&self, search: SearchRequest, cursor: Option<String>) -> Pages<Ticket> {
        let client = self.clone();
        Box::pin(async_stream::try_stream! {
            let mut cursor = cursor;
            loop {
                let page = client.search_tickets_page(&search, cursor.as_deref()).await?;
                let next = advance("POST /tickets/search", cursor.as_deref(), &page)?;
                yield page;
                match next { Some(n) => cursor = Some(n), None => break }
            }
        })
    }

    /// `GET /tickets/{id}` with its parts. A deleted ticket is `NotFound`.
    pub async fn get_ticket(&self, id: &str) -> Result<Ticket, ApiError> {
        Ok(self
            .call(self.get("GET /tickets/{id}", self.url(&["tickets", id])))
            .await?
            .0)
    }

    /// `POST /tickets`: a ticket of `ticket_type_id` for `contact_id`. A write.
    pub async fn create_ticket(
        &self,
        ticket_type_id: &str,
        contact_id: &str,
        attributes: &JsonMap,
    ) -> Result<Ticket, ApiError> {
        let body = json!({
            "ticket_type_id": ticket_type_id,
            "contacts": [{"id": contact_id}],
            "ticket_attributes": attributes,
        });
        let call = self.json_call(
            Method::POST,
            "POST /tickets",
            self.url(&["tickets"]),
            &body,
            true,
        );
        Ok(self.call(call).await?.0)
    }

    /// `PUT /tickets/{id}`: state, attributes, open, assignment. A write.
    pub async fn update_ticket(&self, id: &str, update: &TicketUpdate) -> Result<Ticket, ApiError> {
        let call = self.json_call(
            Method::PUT,
            "PUT /tickets/{id}",
            self.url(&["tickets", id]),
            &update.to_json(),
            true,
        );
        Ok(self.call(call).await?.0)
    }

    /// `POST /tickets/{id}/reply`: a comment or a note as an admin. The answer is the new
    /// part. A write.
    pub async fn reply_ticket(&self, id: &str, reply: &Reply) -> Result<TicketPart, ApiError> {
        let call = self.json_call(
            Method::POST,
            "POST /tickets/{id}/reply",
            self.url(&["tickets", id, "reply"]),
            &reply.to_json(),
            true,
        );
        Ok(self.call(call).await?.0)
    }

    /// `POST /tickets/{id}/tags`: tag the ticket with an existing tag. A write.
    pub async fn tag_ticket(
        &self,
        id: &str,
        tag_id: &str,
        admin_id: &str,
    ) -> Result<Tag, ApiError> {
        let call = self.json_call(
            Method::POST,
            "POST /tickets/{id}/tags",
            self.url(&["tickets", id, "tags"]),
            &json!({"id": tag_id, "admin_id": admin_id}),
            true,
        );
        Ok(self.call(call).await?.0)
    }

    /// `DELETE /tickets/{id}/tags/{tag_id}`. A write.
    pub async fn untag_ticket(
        &self,
        id: &str,
        tag_id: &str,
        admin_id: &str,
    ) -> Result<Tag, ApiError> {
        let call = self.json_call(
            Method::DELETE,
            "DELETE /tickets/{id}/tags/{tag_id}",
            self.url(&["tickets", id, "tags", tag_id]),
            &json!({"admin_id": admin_id}),
            true,
        );
        Ok(self.call(call).await?.0)
    }

    /// `GET /ticket_types`, with their attributes.
    pub async fn list_ticket_types(&self) -> Result<Vec<TicketType>, ApiError> {
        let (list, _): (TicketTypeList, _) = self
            .call(self.get("GET /ticket_types", self.url(&["ticket_types"])))
            .await?;
        Ok(list.data)
    }

    /// `GET /ticket_types/{id}`.
    pub async fn get_ticket_type(&self, id: &str) -> Result<TicketType, ApiError> {
        Ok(self
            .call(self.get("GET /ticket_types/{id}", self.url(&["ticket_types", id])))
            .await?
            .0)
    }

    /// `GET /ticket_states`: every state of the workspace.
    pub async fn list_ticket_states(&self) -> Result<Vec<TicketState>, ApiError> {
        let (list, _): (TicketStateList, _) = self
            .call(self.get("GET /ticket_states", self.url(&["ticket_states"])))
            .await?;
        Ok(list.data)
    }
}
