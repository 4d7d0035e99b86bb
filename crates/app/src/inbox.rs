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
use crate::session::{blocking, lock, Shared, UiEvent};

/// The most rows a page of a view may hold.
const MAX_PAGE_ROWS: usize = 500;
/// The most hits a search returns, and the longest query.
const MAX_SEARCH_HITS: usize = 200;
const MAX_QUERY_CHARS: usize = 500;

impl Shared {
    /// Every sidebar view's total and unread count.
    pub async fn view_counts(&self) -> AppResult<Vec<dto::ViewCount>> {
        let mut counts: Vec<dto::ViewCount> = self
            .read(|s| {
                let teams = s.team_ids();
                s.read(|r| r.view_counts(&s.workspace.admin_id, &teams))
            })
            .await
            .map(|c| c.into_iter().map(dto::ViewCount::from).collect())?;
        let session = self.current().await?;
        counts.push(self.tickets_count(&session).await);
        Ok(counts)
    }

    /// One page of tickets: open ones (or those in `state`), of one type if asked, newest
    /// activity first.
    pub async fn list_tickets(
        &self,
        state: Option<&str>,
        ticket_type_id: Option<&str>,
        cursor: Option<&str>,
        limit: usize,
    ) -> AppResult<dto::TicketPage> {
        if let Some(s) = state.filter(|s| !store::TICKET_STATES.contains(s)) {
            return Err(AppError::invalid(format!(
                "{s:?} is not a ticket state: use submitted, in_progress, waiting_on_customer or resolved."
            )));
        }
        if let Some(t) = ticket_type_id {
            ids::check(t, "ticket type")?;
        }
        let before = match cursor {
            None | Some("") => None,
            Some(c) => Some(dto::decode_ticket_cursor(c).ok_or_else(|| {
                AppError::invalid("That list position is not valid; reload the view.")
            })?),
        };
        let (state, ticket_type_id) = (state.map(str::to_owned), ticket_type_id.map(str::to_owned));
        let limit = limit.clamp(1, MAX_PAGE_ROWS);
        self.read(move |s| {
            let (rows, next) = s.read(|r| {
                r.list_tickets(
                    state.as_deref(),
                    ticket_type_id.as_deref(),
                    before.as_ref(),
                    limit,
                )
            })?;
            Ok(dto::TicketPage {
                rows: rows.into_iter().map(dto::TicketRow::from).collect(),
                next_cursor: next.as_ref().map(dto::encode_ticket_cursor),
            })
        })
        .await
    }

    /// The ticket types (archived ones left out).
    pub async fn ticket_types(&self) -> AppResult<Vec<dto::TicketType>> {
        self.read(|s| s.read(|r| r.ticket_types(false)))
            .await
            .map(|t| t.into_iter().map(dto::TicketType::from).collect())
    }

    /// A ticket's thread, from the cache. The first read of a ticket (a new id since the
    /// last one) also asks the engine to fetch its newest parts once; the change event that
    /// follows makes the window read again, which fetches nothing.
    pub async fn ticket(&self, id: &str, load_images: bool) -> AppResult<dto::TicketDetail> {
        ids::check(id, "ticket")?;
        let session = self.current().await?;
        let s = Arc::clone(&session);
        let wanted = id.to_string();
        let (detail, admins) = blocking(move || -> AppResult<_> {
            let detail = s
                .read(|r| r.ticket_detail(&wanted))?
                .ok_or_else(|| AppError::not_found(format!("Ticket {wanted}")))?;
            let admins: HashMap<String, String> = s
                .read(|r| r.admins())?
                .into_iter()
                .map(|a| (a.id, a.name))
                .collect();
            Ok((detail, admins))
        })
        .await??;
        let first_read = {
            let mut last = lock(&self.open_ticket);
            let first = last.as_deref() != Some(id);
            *last = Some(id.to_string());
            first
        };
        if first_read {
            session.handle.open_ticket(id);
        }
        let urls: Vec<String> = if load_images {
            let mut urls = Vec::new();
            for body in detail.parts.iter().filter_map(|p| p.body_html.as_deref()) {
                for url in agentdesk_content::sanitize(body, &Images::Block).remote_images {
                    if !urls.contains(&url) {
                        urls.push(url);
                    }
                }
            }
            urls
        } else {
            Vec::new()
        };
        let images = if urls.is_empty() {
            Images::Block
        } else {
            let ui = Arc::clone(&self.ui);
            let ticket = id.to_string();
            Images::Inline(session.images.inline_or_fetch(id, &urls, move || {
                ui.send(UiEvent::tickets_changed(vec![ticket]));
            }))
        };
        Ok(dto::ticket_detail(&detail, &admins, &images))
    }

    /// One page of `view` (an id such as `mine`, `team:7`, or `tag:12` for the open
    /// conversations carrying a tag) after `cursor`, newest first or, with `sort`
    /// `priority_first`, priority conversations first.
    pub async fn list_conversations(
        &self,
        view: &str,
        cursor: Option<&str>,
        limit: usize,
        sort: Option<&str>,
    ) -> AppResult<dto::ConversationPage> {
        let (view, tag_id) = match view.strip_prefix("tag:") {
            Some(tag) if ids::is_valid(tag) => (View::AllOpen, Some(tag.to_string())),
            Some(_) => return Err(AppError::invalid("That tag view's id is not valid.")),
            None => (view.parse().map_err(AppError::from)?, None),
        };
        let priority_first = match sort {
            None | Some("") | Some("recent") => false,
            Some("priority_first") => true,
            Some(other) => {
                return Err(AppError::invalid(format!(
                    "Unknown sort {other:?}: use recent or priority_first."
                )))
            }
        };
        let before = match cursor {
            None | Some("") => None,
            Some(c) => Some(
                dto::decode_cursor(c)
                    .filter(|c| c.priority.is_some() == priority_first)
                    .ok_or_else(|| {
                        AppError::invalid("That list position is not valid; reload the view.")
                    })?,
            ),
        };
        let filter = store::ListFilter {
            tag_id,
            priority_first,
        };
        let limit = limit.clamp(1, MAX_PAGE_ROWS);
        self.read(move |s| {
            let (rows, tags) = s.read(|r| {
                Ok((
                    r.list_view_filtered(
                        &view,
                        &s.workspace.admin_id,
                        &filter,
                        before.as_ref(),
                        limit,
                    )?,
                    r.tags()?,
                ))
            })?;
            let names = tags.into_iter().map(|t| (t.id, t.name)).collect();
            Ok(dto::ConversationPage::listed(
                rows,
                limit,
                priority_first,
                &names,
            ))
        })
        .await
    }

    /// The workspace's tags, by name.
    pub async fn tags(&self) -> AppResult<Vec<dto::Tag>> {
        self.read(|s| s.read(|r| r.tags())).await.map(|t| {
            t.into_iter()
                .map(|t| dto::Tag {
                    id: t.id,
                    name: t.name,
                })
                .collect()
        })
    }

    /// The conversation on screen changed: the window opened one (`Some`), or its thread
    /// went away (`None`). Notifications skip the one on screen while the window has focus,
    /// and a newly opened conversation is refreshed from Intercom once (its newest parts,
    /// contact and events). That refresh's change event makes the window read the thread
    /// again through [`Shared::conversation`], which only reads: opening has this one path,
    /// so nothing loops and no timer is needed to stop a loop.
    pub async fn set_open_conversation(&self, id: Option<String>) {
        let opened = {
            let mut on_screen = lock(&self.open_conversation);
            let opened = id
                .as_ref()
                .filter(|id| on_screen.as_ref() != Some(*id) && ids::is_valid(id))
                .cloned();
            *on_screen = id;
            opened
        };
        if let Some(id) = opened {
            if let Some(session) = self.current_if_any().await {
                session.handle.open_conversation(&id);
            }
        }
    }

    /// The thread of a conversation, as the cache has it (a read, never a fetch: see
    /// [`Shared::set_open_conversation`]). With `load_images`, its remote images that the
    /// session fetched already are inlined at once; the rest are fetched in the background,
    /// and an `inbox://changed` for the conversation follows when they are in.
    pub async fn conversation(
        &self,
        id: &str,
        load_images: bool,
    ) -> AppResult<dto::ConversationDetail> {
        ids::check(id, "conversation")?;
        let session = self.current().await?;
        let s = Arc::clone(&session);
        let wanted = id.to_string();
        let (detail, admins, teams, defs, tag_names) = blocking(move || -> AppResult<_> {
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
            let defs = s.read(|r| r.conversation_attributes())?;
            let tag_names: HashMap<String, String> = s
                .read(|r| r.tags())?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect();
            Ok((detail, admins, teams, defs, tag_names))
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
        let mut out = dto::conversation_detail(&detail, &admins, &teams, &images);
        let c = &detail.conversation;
        out.priority = c.priority;
        out.tags = c.tags.iter().map(|t| dto::Tag::of(t, &tag_names)).collect();
        out.sla = c.sla.as_ref().map(dto::Sla::from);
        out.attributes = dto::conversation_attributes(&defs, &c.custom_attributes);
        Ok(out)
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
            let mut out: Vec<dto::SearchHit> = hits
                .into_iter()
                .map(|h| {
                    let detail = s
                        .read(|r| r.conversation_detail(&h.conversation_id))
                        .ok()
                        .flatten();
                    dto::SearchHit::of(h, detail.as_ref())
                })
                .collect();
            // Tickets too, merged newest first.
            let ticket_hits = s.read(|r| r.search_tickets(&query, limit))?;
            for h in ticket_hits {
                let ticket = s.read(|r| r.ticket(&h.ticket_id)).ok().flatten();
                let contact = ticket
                    .as_ref()
                    .and_then(|t| t.contact_id.as_deref())
                    .and_then(|c| s.read(|r| r.contact(c)).ok().flatten());
                out.push(dto::SearchHit::of_ticket(
                    h,
                    ticket.and_then(|t| t.title),
                    contact.map(|c| c.display_name().to_string()),
                ));
            }
            out.sort_by_key(|h| std::cmp::Reverse(h.last_activity_at));
            out.truncate(limit);
            Ok(out)
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::sync::Mutex;
    use std::time::Duration;

    use intercom_sandbox::{Sandbox, SandboxConfig};

    use crate::notify::Notifier;
    use crate::session::{AppState, Ui, UiEvent};
    use crate::workspaces::{RegionSpec, Workspace};

    /// A window that records what the session tells it, and wakes a test waiting on it.
    struct Window {
        events: tokio::sync::mpsc::UnboundedSender<UiEvent>,
        synced: Mutex<bool>,
        woken: tokio::sync::Notify,
    }

    impl Ui for Window {
        fn send(&self, event: UiEvent) {
            if let UiEvent::Status(s) = &event {
                *self.synced.lock().expect("flag") |= s.last_sync_at.is_some();
            }
            let _ = self.events.send(event);
            self.woken.notify_waiters();
        }
        fn tray(&self, _: &[crate::dto::ViewCount], _: bool) {}
        fn window_visible(&self) -> bool {
            true
        }
        fn clear_web_data(&self) {}
    }

    /// Waits until `done` holds, checking it again each time `woken` fires (no polling).
    async fn wait_until(what: &str, woken: &tokio::sync::Notify, mut done: impl FnMut() -> bool) {
        let end = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let wake = woken.notified();
            tokio::pin!(wake);
            // Registered before the check, so a wake-up between the two is not lost.
            wake.as_mut().enable();
            if done() {
                return;
            }
            if tokio::time::timeout_at(end, wake).await.is_err() {
                panic!("timed out waiting until {what}");
            }
        }
    }

    /// The thread's HTML, every part.
    fn thread_html(detail: &crate::dto::ConversationDetail) -> String {
        detail
            .parts
            .iter()
            .map(|p| p.body_html.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Consent (issue 21, item 4): "Load images" is the agent's click on one conversation.
    /// The window passes `loadImages` only for conversations clicked in this session; here,
    /// a click must fetch and show that conversation's images only, never another's, even
    /// one that shows the same URL, and the backend keeps no consent of its own.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_conversations_load_images_click_never_loads_another_conversations_images() {
        use crate::images::test_server::{Answer, Server};
        let images = Server::start(|_| Answer::png());
        let (only_a, only_b, both) = (
            images.url("/only-a.png"),
            images.url("/only-b.png"),
            images.url("/both.png"),
        );
        let sb = Sandbox::start(SandboxConfig {
            conversations: 10,
            contacts: 5,
            ..Default::default()
        })
        .await
        .expect("a sandbox starts on loopback");
        let body =
            |text: &str, own: &str| format!(r#"<p>{text}</p><img src="{own}"><img src="{both}">"#);
        let a = sb
            .inject_new_conversation(None, &body("Conversation A", &only_a))
            .expect("conversation A");
        let b = sb
            .inject_new_conversation(None, &body("Conversation B", &only_b))
            .expect("conversation B");
        let dir = tempfile::tempdir().expect("temp dir");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let window = std::sync::Arc::new(Window {
            events: tx,
            synced: Mutex::new(false),
            woken: tokio::sync::Notify::new(),
        });
        let state = AppState::new(
            dir.path().to_path_buf(),
            std::sync::Arc::new(Notifier::new(|_| {})),
            window.clone(),
            crate::secrets::EnvToken::default(),
        )
        .with_image_policy(crate::images::Policy::public_and_loopback_port(images.port));
        let workspace = Workspace {
            id: "w1".into(),
            name: "Sandbox".into(),
            region: RegionSpec::Custom(sb.base_url().to_string()),
            admin_id: sb.admin_id().to_string(),
            admin_name: "Me".into(),
            demo: false,
        };
        state
            .boot(workspace, sb.token(), None)
            .await
            .expect("the session boots");
        wait_until("the first sync completes", &window.woken, || {
            *window.synced.lock().expect("flag")
        })
        .await;

        let before = state.conversation(&a, false).await.expect("A reads");
        assert!(
            before.remote_images_blocked && !thread_html(&before).contains("data:image/png"),
            "before any click, A's images are placeholders"
        );
        assert_eq!(
            images.requests(),
            Vec::<String>::new(),
            "nothing is fetched before a click"
        );

        // The agent clicks "Load images" in A: the window reads A with loadImages until the
        // images are in (each fetch that brings some announces A as changed).
        let end = tokio::time::Instant::now() + Duration::from_secs(30);
        let loaded = loop {
            let detail = state.conversation(&a, true).await.expect("A reads");
            if !detail.remote_images_blocked {
                break detail;
            }
            let left = end.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, rx.recv()).await {
                Ok(Some(_)) => {}
                _ => panic!("A's images were not loaded within 30 s of the click"),
            }
        };
        let html = thread_html(&loaded);
        assert_eq!(
            html.matches("data:image/png;base64,").count(),
            2,
            "A shows both its images after its click: {html}"
        );

        let other = state.conversation(&b, false).await.expect("B reads");
        let html = thread_html(&other);
        assert!(
            other.remote_images_blocked && !html.contains("data:image/png"),
            "B, never clicked, shows placeholders, even for the image A also has: {html}"
        );
        let mut asked = images.requests();
        asked.sort();
        assert_eq!(
            asked,
            vec!["/both.png".to_string(), "/only-a.png".to_string()],
            "A's click fetched A's images and nothing of B's"
        );
        let again = state.conversation(&a, false).await.expect("A reads");
        assert!(
            again.remote_images_blocked,
            "without the window's word (a click in this session) A's images stay placeholders: \
             the backend keeps no consent of its own"
        );
        sb.shutdown().await;
        state.close().await;
    }

    /// Regression (moved here from the sync crate with the rule): the window reads the open
    /// conversation again on every `inbox://changed` that names it. Each read used to ask the
    /// engine to open it again, and every open emitted that event, so an open conversation
    /// was fetched again and again (in the demo about 40 times a second) until the engine
    /// grew a timed guard. Now a read only reads; opening (`set_open_conversation`) fetches,
    /// once per open.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rereading_on_every_change_event_does_not_refetch_the_conversation_in_a_loop() {
        let sb = Sandbox::start(SandboxConfig {
            conversations: 60,
            contacts: 20,
            ..Default::default()
        })
        .await
        .expect("a sandbox starts on loopback");
        let open_ids: Vec<String> = sb.truth()["conversations"]
            .as_array()
            .expect("conversations")
            .iter()
            .filter(|c| c["state"] == "open")
            .filter_map(|c| c["id"].as_str().map(String::from))
            .take(2)
            .collect();
        let (id, other) = (open_ids[0].clone(), open_ids[1].clone());
        let dir = tempfile::tempdir().expect("temp dir");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let window = std::sync::Arc::new(Window {
            events: tx,
            synced: Mutex::new(false),
            woken: tokio::sync::Notify::new(),
        });
        let state = AppState::new(
            dir.path().to_path_buf(),
            std::sync::Arc::new(Notifier::new(|_| {})),
            window.clone(),
            crate::secrets::EnvToken::default(),
        );
        let workspace = Workspace {
            id: "w1".into(),
            name: "Sandbox".into(),
            region: RegionSpec::Custom(sb.base_url().to_string()),
            admin_id: sb.admin_id().to_string(),
            admin_name: "Me".into(),
            demo: false,
        };
        state
            .boot(workspace, sb.token(), None)
            .await
            .expect("the session boots");
        wait_until("the first sync completes", &window.woken, || {
            *window.synced.lock().expect("flag")
        })
        .await;

        // The window: once the conversation is open, every change event naming it makes the
        // window read the thread again.
        let rereads = std::sync::Arc::new(AtomicUsize::new(0));
        let is_open = std::sync::Arc::new(AtomicBool::new(false));
        let reader = {
            let (state, id) = (state.clone(), id.clone());
            let (rereads, is_open) = (rereads.clone(), is_open.clone());
            let window = window.clone();
            tokio::spawn(async move {
                while let Some(event) = rx.recv().await {
                    let names_it =
                        matches!(&event, UiEvent::Changed(c) if c.conversation_ids.contains(&id));
                    if names_it && is_open.load(SeqCst) {
                        state
                            .conversation(&id, false)
                            .await
                            .expect("the thread reads");
                        rereads.fetch_add(1, SeqCst);
                        window.woken.notify_waiters();
                    }
                }
            })
        };
        let count = |sb: &Sandbox, route: &str| sb.route_counts().get(route).copied().unwrap_or(0);
        let fetches = |sb: &Sandbox| count(sb, "GET /conversations/{id}");
        let polls = |sb: &Sandbox| count(sb, "POST /conversations/search");
        let fetched_before = fetches(&sb);

        is_open.store(true, SeqCst);
        state.set_open_conversation(Some(id.clone())).await;
        state
            .conversation(&id, false)
            .await
            .expect("the thread reads at once, from the cache");
        wait_until("the open's change event is read", &window.woken, || {
            rereads.load(SeqCst) > 0
        })
        .await;
        // Three polls after the open: the loop, if any, has had every chance to run.
        for _ in 0..3 {
            let before = polls(&sb);
            state.sync_now().await.expect("a session is open");
            sb.wait_for_requests("a poll", Duration::from_secs(30), |sb| polls(sb) > before)
                .await;
        }
        assert_eq!(
            fetches(&sb) - fetched_before,
            1,
            "opening fetches the conversation once; the {} re-reads its change events caused \
             fetch nothing",
            rereads.load(SeqCst)
        );

        state.set_open_conversation(Some(other)).await;
        state.set_open_conversation(Some(id.clone())).await;
        sb.wait_for_requests(
            "each new open fetches, with no waiting period",
            Duration::from_secs(30),
            |sb| fetches(sb) >= fetched_before + 3,
        )
        .await;
        reader.abort();
        state.close().await;
    }

    /// A session on a 40-conversation sandbox (with its tickets), after its first sync.
    /// These tests wait on the window's `woken`, not its events: the receiver is dropped and
    /// the window's sends are ignored.
    async fn synced_session() -> (Sandbox, tempfile::TempDir, std::sync::Arc<Window>, AppState) {
        let sb = Sandbox::start(SandboxConfig {
            conversations: 40,
            contacts: 15,
            ..Default::default()
        })
        .await
        .expect("a sandbox starts on loopback");
        let dir = tempfile::tempdir().expect("temp dir");
        let (tx, _) = tokio::sync::mpsc::unbounded_channel();
        let window = std::sync::Arc::new(Window {
            events: tx,
            synced: Mutex::new(false),
            woken: tokio::sync::Notify::new(),
        });
        let state = AppState::new(
            dir.path().to_path_buf(),
            std::sync::Arc::new(Notifier::new(|_| {})),
            window.clone(),
            crate::secrets::EnvToken::default(),
        );
        let workspace = Workspace {
            id: "w1".into(),
            name: "Sandbox".into(),
            region: RegionSpec::Custom(sb.base_url().to_string()),
            admin_id: sb.admin_id().to_string(),
            admin_name: "Me".into(),
            demo: false,
        };
        state
            .boot(workspace, sb.token(), None)
            .await
            .expect("the session boots");
        wait_until("the first sync completes", &window.woken, || {
            *window.synced.lock().expect("flag")
        })
        .await;
        (sb, dir, window, state)
    }

    /// Issue 14 through the window's commands: tagging, a tag view, priority and the
    /// priority-first order, attribute edits checked by type before anything is queued,
    /// and each change reaching Intercom.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tags_priority_and_attributes_are_worked_from_the_window() {
        let (sb, _dir, window, state) = synced_session().await;

        let tags = state.tags().await.expect("tags read");
        assert!(tags.len() >= 3, "the workspace's tags are cached: {tags:?}");
        let page = state
            .list_conversations("all_open", None, 50, None)
            .await
            .expect("All open lists");
        let id = page.rows[0].id.clone();
        let tag = tags
            .iter()
            .find(|t| !page.rows[0].tags.iter().any(|x| x.id == t.id))
            .expect("a tag the conversation does not carry")
            .clone();

        let item = state
            .tag_item("conversation", id.clone(), tag.id.clone())
            .await
            .expect("tagging queues");
        assert_eq!(
            (item.kind, item.summary.as_str()),
            ("tag", format!("Tag {}", tag.name).as_str()),
            "the pending item names the tag"
        );
        let detail = state.conversation(&id, false).await.expect("reads");
        assert!(
            detail.tags.iter().any(|t| t == &tag),
            "the chip shows at once, named: {:?}",
            detail.tags
        );
        let view = state
            .list_conversations(&format!("tag:{}", tag.id), None, 50, None)
            .await
            .expect("the tag's view lists");
        assert!(
            view.rows.iter().any(|r| r.id == id),
            "the conversation is in its new tag's view at once"
        );
        let err = state
            .tag_item("conversation", id.clone(), "424242".into())
            .await
            .expect_err("a tag the workspace does not have");
        assert_eq!(err.code, "not_found", "{}", err.message);
        let err = state
            .list_conversations("all_open", None, 10, Some("loudest"))
            .await
            .expect_err("an unknown sort");
        assert_eq!(err.code, "invalid_input", "{}", err.message);

        // Priority first: the conversation marked priority leads All open at once, and a
        // priority-first page continues from its own cursor.
        let last = page.rows.last().expect("rows").id.clone();
        state
            .set_priority(last.clone(), true)
            .await
            .expect("priority queues");
        let first = state
            .list_conversations("all_open", None, 3, Some("priority_first"))
            .await
            .expect("priority first lists");
        assert!(
            first.rows[0].priority,
            "a priority conversation comes first"
        );
        let rest = state
            .list_conversations(
                "all_open",
                first.next_cursor.as_deref(),
                50,
                Some("priority_first"),
            )
            .await
            .expect("the next page lists");
        let mut ids: Vec<String> = first
            .rows
            .iter()
            .chain(&rest.rows)
            .map(|r| r.id.clone())
            .collect();
        let flags: Vec<bool> = first
            .rows
            .iter()
            .chain(&rest.rows)
            .map(|r| r.priority)
            .collect();
        assert!(
            flags.windows(2).all(|w| w[0] >= w[1]),
            "every priority conversation before every other: {flags:?}"
        );
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids.len(),
            page.rows.len(),
            "two priority-first pages list every open conversation once"
        );
        let err = state
            .list_conversations("all_open", first.next_cursor.as_deref(), 5, None)
            .await
            .expect_err("a priority-first cursor in a newest-first list");
        assert_eq!(err.code, "invalid_input");

        // Attributes: a wrong value names the attribute and queues nothing.
        let err = state
            .update_conversation_attributes(
                id.clone(),
                vec![
                    crate::outbox::AttributeArg {
                        name: "Channel".into(),
                        value: serde_json::json!("email"),
                    },
                    crate::outbox::AttributeArg {
                        name: "Order value".into(),
                        value: serde_json::json!("twelve"),
                    },
                ],
            )
            .await
            .expect_err("twelve is not a whole number");
        assert!(
            err.code == "invalid_input" && err.message.contains("Order value"),
            "the message names the attribute: {}",
            err.message
        );
        let detail = state.conversation(&id, false).await.expect("reads");
        assert!(
            !detail.pending.iter().any(|p| p.kind == "attributes"),
            "a refused edit queues nothing, not even its good half"
        );
        let err = state
            .update_conversation_attributes(
                id.clone(),
                vec![crate::outbox::AttributeArg {
                    name: "Favourite colour".into(),
                    value: serde_json::json!("blue"),
                }],
            )
            .await
            .expect_err("an attribute the workspace does not define");
        assert_eq!(err.code, "invalid_input");
        state
            .update_conversation_attributes(
                id.clone(),
                vec![
                    crate::outbox::AttributeArg {
                        name: "Channel".into(),
                        value: serde_json::json!("email"),
                    },
                    crate::outbox::AttributeArg {
                        name: "Order value".into(),
                        value: serde_json::json!(" 12 "),
                    },
                ],
            )
            .await
            .expect("good values queue");
        let detail = state.conversation(&id, false).await.expect("reads");
        let value = |name: &str| {
            detail
                .attributes
                .iter()
                .find(|a| a.name == name)
                .map(|a| a.value.clone())
        };
        assert_eq!(value("Channel"), Some(serde_json::json!("email")));
        assert_eq!(
            value("Order value"),
            Some(serde_json::json!(12)),
            "read as a number"
        );

        // Everything reaches Intercom.
        let truth_of = |id: &str| {
            sb.truth()["conversations"]
                .as_array()
                .and_then(|a| a.iter().find(|c| c["id"] == id).cloned())
                .unwrap_or_default()
        };
        wait_until("Intercom holds every change", &window.woken, || {
            let c = truth_of(&id);
            let tagged = c["tags"]["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t["id"] == tag.id.as_str()));
            tagged
                && c["custom_attributes"]["Channel"] == "email"
                && c["custom_attributes"]["Order value"] == 12
                && truth_of(&last)["priority"] == "priority"
        })
        .await;
        state.close().await;
    }

    /// Issue 14's tickets through the window's commands: the Tickets count (and the tray's
    /// share of it), the list filtered by state, a ticket's thread, a state change and an
    /// attribute checked against the ticket's type before anything is queued, a reply, a
    /// tag, reading it, and each change reaching Intercom.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tickets_are_worked_from_the_window() {
        let (sb, _dir, window, state) = synced_session().await;

        let truth: Vec<serde_json::Value> = sb
            .ticket_ids()
            .iter()
            .filter_map(|id| sb.ticket(id))
            .collect();
        let open_in_truth = truth
            .iter()
            .filter(|t| t["ticket_state"]["category"] != "resolved")
            .count() as i64;
        let counts = state.view_counts().await.expect("counts");
        let tickets = counts
            .iter()
            .find(|c| c.id == "tickets")
            .expect("the sidebar has a Tickets view");
        assert_eq!(
            tickets.total, open_in_truth,
            "the Tickets count is every open ticket Intercom has"
        );
        let page = state
            .list_tickets(None, None, None, 500)
            .await
            .expect("tickets list");
        assert_eq!(
            page.rows.len() as i64,
            tickets.total,
            "the list yields what the count says"
        );
        let waiting = state
            .list_tickets(Some("waiting_on_customer"), None, None, 500)
            .await
            .expect("a state filter lists");
        assert!(
            waiting
                .rows
                .iter()
                .all(|r| r.state == "waiting_on_customer"),
            "the state filter keeps that state only"
        );
        let err = state
            .list_tickets(Some("lost"), None, None, 10)
            .await
            .expect_err("an unknown state");
        assert_eq!(err.code, "invalid_input", "{}", err.message);

        let row = page
            .rows
            .iter()
            .find(|r| r.state != "in_progress")
            .unwrap_or_else(|| {
                panic!(
                    "a ticket not in progress: {} rows, {} in the truth: {:?}",
                    page.rows.len(),
                    truth.len(),
                    truth
                        .iter()
                        .map(|t| t["ticket_state"].to_string())
                        .collect::<Vec<_>>()
                )
            });
        let id = row.id.clone();
        let detail = state.ticket(&id, false).await.expect("the ticket reads");
        assert_eq!(detail.id, id);
        assert!(!detail.ticket_type_name.is_empty(), "its type is named");

        // A value of the wrong type names the attribute and queues nothing.
        if let Some(number) = detail
            .attributes
            .iter()
            .find(|a| a.editable && (a.data_type == "integer" || a.data_type == "float"))
        {
            let err = state
                .update_ticket(
                    id.clone(),
                    None,
                    vec![crate::outbox::AttributeArg {
                        name: number.name.clone(),
                        value: serde_json::json!("lots"),
                    }],
                )
                .await
                .expect_err("text where a number belongs");
            assert!(
                err.code == "invalid_input" && err.message.contains(&number.name),
                "the message names the attribute: {}",
                err.message
            );
        }
        let err = state
            .update_ticket(
                id.clone(),
                None,
                vec![crate::outbox::AttributeArg {
                    name: "no_such_attribute".into(),
                    value: serde_json::json!("x"),
                }],
            )
            .await
            .expect_err("an attribute the type does not have");
        assert_eq!(err.code, "invalid_input", "{}", err.message);
        assert!(
            state
                .ticket(&id, false)
                .await
                .expect("reads")
                .pending
                .is_empty(),
            "refused updates queue nothing"
        );

        state
            .update_ticket(id.clone(), Some("in_progress".into()), Vec::new())
            .await
            .expect("a state change queues");
        let shown = state.ticket(&id, false).await.expect("reads");
        assert_eq!(shown.state, "in_progress", "the new state shows at once");
        let nonce = format!("ticket reply {}", std::process::id());
        state
            .reply_ticket(id.clone(), &nonce, "comment")
            .await
            .expect("a reply queues");
        let tag = state.tags().await.expect("tags")[0].clone();
        state
            .tag_item("ticket", id.clone(), tag.id.clone())
            .await
            .expect("tagging a ticket queues");
        assert!(
            state
                .ticket(&id, false)
                .await
                .expect("reads")
                .tags
                .iter()
                .any(|t| t.id == tag.id),
            "the chip shows at once"
        );
        state
            .mark_read(id.clone())
            .await
            .expect("a ticket is marked read");

        wait_until(
            "Intercom holds the state, the reply and the tag",
            &window.woken,
            || {
                let Some(t) = sb.ticket(&id) else {
                    return false;
                };
                let replied = t.to_string().contains(&nonce);
                let tagged = t["tags"]["tags"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x["id"] == tag.id.as_str()));
                t["ticket_state"]["category"] == "in_progress" && replied && tagged
            },
        )
        .await;
        // The outbox settles: nothing of the agent's is left pending on the ticket.
        let end = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let wake = window.woken.notified();
            tokio::pin!(wake);
            wake.as_mut().enable();
            if state
                .ticket(&id, false)
                .await
                .expect("reads")
                .pending
                .is_empty()
            {
                break;
            }
            if tokio::time::timeout_at(end, wake).await.is_err() {
                panic!("the ticket's outbox did not settle within 30 s");
            }
        }
        state.close().await;
    }
}
