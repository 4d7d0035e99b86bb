//! What the window reads from the cache: view counts, a page of a view, a conversation's
//! thread (with "Load images"), the customer panel, the directory, search. Each read runs
//! on the open session's read connection, off the async workers, and returns the UI's types.

use std::collections::HashMap;
use std::sync::Arc;

use agentdesk_content::Images;
use agentdesk_store::{self as store, View};

use crate::dto;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::session::{blocking, Shared, UiEvent};

/// The most rows a page of a view may hold.
const MAX_PAGE_ROWS: usize = 500;
/// The most hits a search returns, and the longest query.
const MAX_SEARCH_HITS: usize = 200;
const MAX_QUERY_CHARS: usize = 500;

impl Shared {
    /// Every sidebar view's total and unread count.
    pub async fn view_counts(&self) -> AppResult<Vec<dto::ViewCount>> {
        self.read(|s| {
            let teams = s.team_ids();
            s.read(|r| r.view_counts(&s.workspace.admin_id, &teams))
        })
        .await
        .map(|c| c.into_iter().map(dto::ViewCount::from).collect())
    }

    /// One page of `view` (an id such as `mine` or `team:7`) after `cursor`.
    pub async fn list_conversations(
        &self,
        view: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> AppResult<dto::ConversationPage> {
        let view: View = view.parse().map_err(AppError::from)?;
        let before = match cursor {
            None | Some("") => None,
            Some(c) => Some(dto::decode_cursor(c).ok_or_else(|| {
                AppError::invalid("That list position is not valid; reload the view.")
            })?),
        };
        let limit = limit.clamp(1, MAX_PAGE_ROWS);
        self.read(move |s| {
            let rows =
                s.read(|r| r.list_view(&view, &s.workspace.admin_id, before.as_ref(), limit))?;
            Ok(dto::ConversationPage::of(rows, limit))
        })
        .await
    }

    /// The thread of a conversation. With `load_images`, its remote images that the session
    /// fetched already are inlined at once; the rest are fetched in the background, and an
    /// `inbox://changed` for the conversation follows when they are in.
    pub async fn conversation(
        &self,
        id: &str,
        load_images: bool,
    ) -> AppResult<dto::ConversationDetail> {
        ids::check(id, "conversation")?;
        let session = self.current().await?;
        // Opening a conversation asks the engine for its newest parts, contact and events now.
        session.handle.open_conversation(id);
        let s = Arc::clone(&session);
        let wanted = id.to_string();
        let (detail, admins, teams) = blocking(move || -> AppResult<_> {
            let detail = s
                .read(|r| r.conversation_detail(&wanted))?
                .ok_or_else(|| AppError::not_found(format!("Conversation {wanted}")))?;
            let admins: HashMap<String, String> = s
                .read(|r| r.admins())?
                .into_iter()
                .map(|a| (a.id, a.name))
                .collect();
            let teams: HashMap<String, String> = s
                .read(|r| r.teams())?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect();
            Ok((detail, admins, teams))
        })
        .await??;
        let urls = if load_images {
            blocked_image_urls(&detail)
        } else {
            Vec::new()
        };
        let images = if urls.is_empty() {
            Images::Block
        } else {
            let ui = Arc::clone(&self.ui);
            let conversation = id.to_string();
            Images::Inline(session.images.inline_or_fetch(id, &urls, move || {
                ui.send(UiEvent::changed(conversation));
            }))
        };
        Ok(dto::conversation_detail(&detail, &admins, &teams, &images))
    }

    /// The customer panel of a contact.
    pub async fn contact_panel(&self, contact_id: &str) -> AppResult<dto::ContactPanel> {
        ids::check(contact_id, "contact")?;
        let contact_id = contact_id.to_string();
        self.read(move |s| {
            let contact = s
                .read(|r| r.contact(&contact_id))?
                .ok_or_else(|| AppError::not_found(format!("Contact {contact_id}")))?;
            let recent = s.read(|r| r.contact_conversations(&contact_id, 10))?;
            let events = s.read(|r| r.data_events(&contact_id, 50))?;
            let summaries = s.read(|r| r.event_summaries(&contact_id))?;
            Ok(dto::ContactPanel::of(&contact, recent, events, summaries))
        })
        .await
    }

    /// The teammates and teams to assign to.
    pub async fn directory(&self) -> AppResult<dto::Directory> {
        self.read(|s| {
            let admins = s.read(|r| r.admins())?;
            let teams = s.read(|r| r.teams())?;
            Ok(dto::Directory::of(admins, teams))
        })
        .await
    }

    /// Full-text search over the cache.
    pub async fn search(&self, query: String, limit: usize) -> AppResult<Vec<dto::SearchHit>> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::invalid(format!(
                "The search is longer than {MAX_QUERY_CHARS} characters."
            )));
        }
        let limit = limit.clamp(1, MAX_SEARCH_HITS);
        self.read(move |s| {
            let hits = s.read(|r| r.search(&query, limit))?;
            Ok(hits
                .into_iter()
                .map(|h| {
                    let detail = s
                        .read(|r| r.conversation_detail(&h.conversation_id))
                        .ok()
                        .flatten();
                    dto::SearchHit::of(h, detail.as_ref())
                })
                .collect())
        })
        .await
    }
}

/// The remote images of a thread, each once, in order.
fn blocked_image_urls(detail: &store::ConversationDetail) -> Vec<String> {
    let mut urls = Vec::new();
    let bodies = std::iter::once(detail.conversation.source_body_html.as_deref())
        .chain(detail.parts.iter().map(|p| p.body_html.as_deref()));
    for body in bodies.flatten() {
        for url in agentdesk_content::sanitize(body, &Images::Block).remote_images {
            if !urls.contains(&url) {
                urls.push(url);
            }
        }
    }
    urls
}
