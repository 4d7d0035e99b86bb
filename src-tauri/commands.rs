//! Tauri commands: the only surface the UI can call (docs/IPC.md). Each is `verb_noun`,
//! holds no SQL or HTTP (it calls the store's reader, the sync handle or `connect`), runs
//! queries off the async workers, and returns DTOs or `{code, message}`.

use std::collections::HashMap;
use std::sync::Arc;

use agentdesk_store::{self as store, OutboxItem, OutboxKind, View};
use agentdesk_sync::{new_client_uuid, Command, CommandOutcome};
use serde::Deserialize;
use tauri::{AppHandle, Emitter, Manager, State};

use crate::dto::{self, AppInfo};
use crate::error::{CmdError, CmdResult};
use crate::session::{self, events, Session, Shared};
use crate::settings::Settings;
use crate::tray::TrayState;
use crate::workspaces::{RegionSpec, Workspace};

/// Runs a read on the session's reader off the async workers.
async fn read<T: Send + 'static>(
    shared: &Shared,
    f: impl FnOnce(&Session) -> CmdResult<T> + Send + 'static,
) -> CmdResult<T> {
    let session = shared.current().await?;
    tauri::async_runtime::spawn_blocking(move || f(&session))
        .await
        .map_err(|e| CmdError::internal(e.to_string()))?
}

fn check_id(id: &str, what: &str) -> CmdResult<()> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(CmdError::invalid(format!(
            "{id:?} is not a valid {what} id"
        )));
    }
    Ok(())
}

/// Version and the directories in use, for the About line and bug reports.
#[tauri::command]
pub fn get_app_info(shared: State<'_, Shared>, tray: State<'_, TrayState>) -> AppInfo {
    AppInfo {
        name: "Agentdesk".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        data_dir: shared.data_dir.display().to_string(),
        log_dir: crate::paths::log_dir(&shared.data_dir)
            .display()
            .to_string(),
        tray_tooltip: tray.tooltip(),
    }
}

#[tauri::command]
pub async fn get_session(shared: State<'_, Shared>) -> CmdResult<Option<dto::Session>> {
    // At start-up the first session boots in the background; answer once it has.
    let mut booted = shared.first_boot.subscribe();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(15),
        booted.wait_for(|done| *done),
    )
    .await;
    let session = shared.session.lock().await.clone();
    Ok(session.map(|s| s.dto()))
}

#[tauri::command]
pub async fn open_demo(app: AppHandle) -> CmdResult<dto::Session> {
    session::boot_demo(&app).await
}

fn parse_region(region: &str) -> CmdResult<RegionSpec> {
    RegionSpec::parse(region).map_err(CmdError::invalid)
}

#[tauri::command]
pub async fn check_token(token: String, region: String) -> CmdResult<dto::TokenCheck> {
    let region = parse_region(&region)?;
    let check = crate::connect::check_token(&region, &token).await?;
    Ok(dto::TokenCheck {
        workspace_id: check.workspace_id,
        workspace_name: check.workspace_name,
        region: check.region.label(),
        token_admin_id: check.token_admin_id,
        admins: check.admins.iter().map(dto::Admin::from).collect(),
    })
}

/// Checks the token again (never trust the UI's earlier check), stores it, and boots.
#[tauri::command]
pub async fn connect_workspace(
    app: AppHandle,
    token: String,
    region: String,
    admin_id: String,
) -> CmdResult<dto::Session> {
    let region = parse_region(&region)?;
    let check = crate::connect::check_token(&region, &token).await?;
    let admin = crate::connect::choose_admin(&check, Some(&admin_id))?;
    let workspace = Workspace {
        id: check.workspace_id.clone(),
        name: check.workspace_name.clone(),
        region,
        admin_id: admin.id.clone(),
        admin_name: admin.name.clone().unwrap_or_else(|| admin.id.clone()),
        demo: false,
    };
    let shared = app.state::<Shared>();
    let location = shared
        .tokens
        .save(&workspace.id, &token)
        .map_err(CmdError::internal)?;
    tracing::info!(workspace = %workspace.id, keychain = matches!(location, crate::secrets::TokenLocation::Keychain), "token stored");
    let mut registry = shared.registry.load().map_err(CmdError::internal)?;
    registry.upsert_active(workspace.clone());
    shared
        .registry
        .save(&registry)
        .map_err(CmdError::internal)?;
    session::boot(&app, workspace, &token, None).await
}

#[tauri::command]
pub async fn list_workspaces(shared: State<'_, Shared>) -> CmdResult<Vec<dto::WorkspaceSummary>> {
    let registry = shared.registry.load().map_err(CmdError::internal)?;
    let current = shared
        .session
        .lock()
        .await
        .as_ref()
        .map(|s| s.workspace.id.clone());
    Ok(registry
        .workspaces
        .iter()
        .map(|w| dto::WorkspaceSummary {
            id: w.id.clone(),
            name: w.name.clone(),
            region: if w.demo {
                "demo".into()
            } else {
                w.region.label()
            },
            admin_name: w.admin_name.clone(),
            active: current.as_deref() == Some(w.id.as_str()),
            demo: w.demo,
        })
        .collect())
}

#[tauri::command]
pub async fn switch_workspace(app: AppHandle, id: String) -> CmdResult<dto::Session> {
    let shared = app.state::<Shared>();
    let mut registry = shared.registry.load().map_err(CmdError::internal)?;
    let workspace = registry
        .workspaces
        .iter()
        .find(|w| w.id == id)
        .cloned()
        .ok_or_else(|| CmdError::not_found(format!("Workspace {id}")))?;
    let name = workspace.name.clone();
    // The switch is saved only once it worked: a failed one keeps the workspace the agent
    // is in, now and at the next start.
    let dto = session::boot_saved(&app, workspace).await.map_err(|err| {
        CmdError::new(err.code, session::switch_failed(&app, &name, &err.message))
    })?;
    registry.active = Some(id);
    shared
        .registry
        .save(&registry)
        .map_err(CmdError::internal)?;
    Ok(dto)
}

#[tauri::command]
pub async fn remove_workspace(app: AppHandle, id: String) -> CmdResult<()> {
    let shared = app.state::<Shared>();
    let current = shared
        .session
        .lock()
        .await
        .as_ref()
        .map(|s| s.workspace.id.clone());
    if current.as_deref() == Some(id.as_str()) {
        return session::logout(&app, false).await;
    }
    let mut registry = shared.registry.load().map_err(CmdError::internal)?;
    if let Some(w) = registry.remove(&id) {
        store::Store::delete_workspace(&shared.data_dir, &w.id).map_err(CmdError::from)?;
        shared.tokens.delete(&w.id).map_err(CmdError::internal)?;
        if let Some(active) = current {
            registry.active = Some(active);
        }
        shared
            .registry
            .save(&registry)
            .map_err(CmdError::internal)?;
    }
    Ok(())
}

#[tauri::command]
pub async fn set_acting_admin(app: AppHandle, admin_id: String) -> CmdResult<dto::Session> {
    let shared = app.state::<Shared>();
    let session = shared.current().await?;
    let admins = {
        let s = Arc::clone(&session);
        tauri::async_runtime::spawn_blocking(move || s.read(|r| r.admins()))
            .await
            .map_err(|e| CmdError::internal(e.to_string()))??
    };
    let admin = admins.iter().find(|a| a.id == admin_id).ok_or_else(|| {
        CmdError::invalid(format!("There is no admin {admin_id} in this workspace."))
    })?;
    let workspace = Workspace {
        admin_id: admin.id.clone(),
        admin_name: admin.name.clone(),
        ..session.workspace.clone()
    };
    if workspace.demo {
        return Err(CmdError::invalid(
            "The demo workspace always acts as its own admin.",
        ));
    }
    let name = format!("{} as {}", workspace.name, workspace.admin_name);
    // Saved only once it worked, like a switch of workspace.
    let dto = session::boot_saved(&app, workspace.clone())
        .await
        .map_err(|err| {
            CmdError::new(err.code, session::switch_failed(&app, &name, &err.message))
        })?;
    let mut registry = shared.registry.load().map_err(CmdError::internal)?;
    registry.upsert_active(workspace);
    shared
        .registry
        .save(&registry)
        .map_err(CmdError::internal)?;
    Ok(dto)
}

#[tauri::command]
pub async fn logout(app: AppHandle, force: bool) -> CmdResult<()> {
    session::logout(&app, force).await
}

#[tauri::command]
pub async fn get_view_counts(shared: State<'_, Shared>) -> CmdResult<Vec<dto::ViewCount>> {
    read(&shared, |s| {
        let teams = s.team_ids();
        s.read(|r| r.view_counts(&s.workspace.admin_id, &teams))
    })
    .await
    .map(|c| c.into_iter().map(dto::ViewCount::from).collect())
}

#[tauri::command]
pub async fn list_conversations(
    shared: State<'_, Shared>,
    view: String,
    cursor: Option<String>,
    limit: usize,
) -> CmdResult<dto::ConversationPage> {
    let view: View = view.parse().map_err(CmdError::from)?;
    let before = match cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(dto::decode_cursor(c).ok_or_else(|| {
            CmdError::invalid("That list position is not valid; reload the view.")
        })?),
    };
    let limit = limit.clamp(1, 500);
    read(&shared, move |s| {
        let rows = s.read(|r| r.list_view(&view, &s.workspace.admin_id, before.as_ref(), limit))?;
        let next_cursor = (rows.len() == limit)
            .then(|| rows.last().map(|r| dto::encode_cursor(&r.cursor())))
            .flatten();
        Ok(dto::ConversationPage {
            rows: rows.into_iter().map(dto::ConversationRow::from).collect(),
            next_cursor,
        })
    })
    .await
}

fn name_maps(s: &Session) -> CmdResult<(HashMap<String, String>, HashMap<String, String>)> {
    let admins = s
        .read(|r| r.admins())?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let teams = s
        .read(|r| r.teams())?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok((admins, teams))
}

#[tauri::command]
pub async fn get_conversation(
    app: AppHandle,
    shared: State<'_, Shared>,
    id: String,
    load_images: bool,
) -> CmdResult<dto::ConversationDetail> {
    check_id(&id, "conversation")?;
    let session = shared.current().await?;
    // Opening a conversation asks the engine for its newest parts, contact and events now.
    session.handle.open_conversation(&id);
    let s = Arc::clone(&session);
    let wanted = id.clone();
    let (detail, admins, teams) = tauri::async_runtime::spawn_blocking(move || -> CmdResult<_> {
        let detail = s
            .read(|r| r.conversation_detail(&wanted))?
            .ok_or_else(|| CmdError::not_found(format!("Conversation {wanted}")))?;
        let (admins, teams) = name_maps(&s)?;
        Ok((detail, admins, teams))
    })
    .await
    .map_err(|e| CmdError::internal(e.to_string()))??;
    let urls = if load_images {
        blocked_image_urls(&detail)
    } else {
        Vec::new()
    };
    let images = if urls.is_empty() {
        agentdesk_content::Images::Block
    } else {
        // What the session fetched already, at once; the rest arrive in the background and
        // a change event makes the window read the thread again.
        let conversation = id.clone();
        agentdesk_content::Images::Inline(session.images.inline_or_fetch(&id, &urls, move || {
            let _ = app.emit(
                events::CHANGED,
                dto::ConversationsChanged {
                    conversation_ids: vec![conversation],
                },
            );
        }))
    };
    Ok(dto::conversation_detail(&detail, &admins, &teams, &images))
}

fn blocked_image_urls(detail: &store::ConversationDetail) -> Vec<String> {
    let mut urls = Vec::new();
    let bodies = std::iter::once(detail.conversation.source_body_html.as_deref())
        .chain(detail.parts.iter().map(|p| p.body_html.as_deref()));
    for body in bodies.flatten() {
        for url in
            agentdesk_content::sanitize(body, &agentdesk_content::Images::Block).remote_images
        {
            if !urls.contains(&url) {
                urls.push(url);
            }
        }
    }
    urls
}

#[tauri::command]
pub async fn mark_read(shared: State<'_, Shared>, id: String) -> CmdResult<()> {
    check_id(&id, "conversation")?;
    shared
        .current()
        .await?
        .execute(Command::MarkRead(id))
        .await
        .map(|_| ())
}

#[tauri::command]
pub async fn mark_unread(shared: State<'_, Shared>, id: String) -> CmdResult<()> {
    check_id(&id, "conversation")?;
    shared
        .current()
        .await?
        .execute(Command::MarkUnread(id))
        .await
        .map(|_| ())
}

#[tauri::command]
pub fn set_open_conversation(shared: State<'_, Shared>, id: Option<String>) {
    *shared
        .open_conversation
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = id;
}

/// Records a write in the outbox (applied to the cache at once) and returns it as the UI
/// shows it.
async fn enqueue(
    app: &AppHandle,
    conversation_id: String,
    kind: OutboxKind,
) -> CmdResult<dto::OutboxItem> {
    let shared = app.state::<Shared>();
    let session = shared.current().await?;
    let item = OutboxItem {
        conversation_id: conversation_id.clone(),
        admin_id: session.workspace.admin_id.clone(),
        kind,
        client_uuid: new_client_uuid(),
    };
    let id = match session.execute(Command::Enqueue(item)).await? {
        CommandOutcome::Outbox(id) => id,
        CommandOutcome::Done => {
            return Err(CmdError::internal("the outbox did not return the new item"))
        }
    };
    let _ = app.emit(
        events::CHANGED,
        dto::ConversationsChanged {
            conversation_ids: vec![conversation_id],
        },
    );
    let s = Arc::clone(&session);
    let entry = tauri::async_runtime::spawn_blocking(move || s.read(|r| r.outbox_item(id)))
        .await
        .map_err(|e| CmdError::internal(e.to_string()))??
        .ok_or_else(|| CmdError::internal("the queued item vanished"))?;
    Ok(dto::OutboxItem::from(&entry))
}

/// The most a reply may hold: Intercom's own limit is far above what an agent types; this
/// guards against a paste of a whole file by mistake.
const MAX_BODY_CHARS: usize = 50_000;

#[tauri::command]
pub async fn send_reply(
    app: AppHandle,
    conversation_id: String,
    body: String,
    kind: String,
) -> CmdResult<dto::OutboxItem> {
    check_id(&conversation_id, "conversation")?;
    let text = body.trim();
    if text.is_empty() {
        return Err(CmdError::invalid("The message is empty."));
    }
    if text.chars().count() > MAX_BODY_CHARS {
        return Err(CmdError::invalid(format!("The message is longer than {MAX_BODY_CHARS} characters; shorten it or send it in parts.")));
    }
    // The agent types text; Intercom takes HTML. Escape it and keep the line breaks.
    let html = plain_to_html(text);
    let kind = match kind.as_str() {
        "comment" => OutboxKind::Reply { body: html },
        "note" => OutboxKind::Note { body: html },
        other => {
            return Err(CmdError::invalid(format!(
                "{other:?} is not a reply kind (comment or note)"
            )))
        }
    };
    enqueue(&app, conversation_id, kind).await
}

/// Escapes text for HTML and turns blank-line separated paragraphs into `<p>`s.
pub fn plain_to_html(text: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", escape(p.trim()).replace('\n', "<br>")))
        .collect()
}

#[tauri::command]
pub async fn close_conversation(app: AppHandle, id: String) -> CmdResult<dto::OutboxItem> {
    check_id(&id, "conversation")?;
    enqueue(&app, id, OutboxKind::Close).await
}

#[tauri::command]
pub async fn reopen_conversation(app: AppHandle, id: String) -> CmdResult<dto::OutboxItem> {
    check_id(&id, "conversation")?;
    enqueue(&app, id, OutboxKind::Reopen).await
}

#[tauri::command]
pub async fn snooze_conversation(
    app: AppHandle,
    id: String,
    until: i64,
) -> CmdResult<dto::OutboxItem> {
    check_id(&id, "conversation")?;
    let now = crate::time::now();
    if until <= now {
        return Err(CmdError::invalid(
            "Choose a time in the future to snooze until.",
        ));
    }
    if until > now + 366 * 86_400 {
        return Err(CmdError::invalid("Snoozing is limited to one year."));
    }
    enqueue(&app, id, OutboxKind::Snooze { until }).await
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum AssigneeArg {
    Admin { id: String },
    Team { id: String },
    Nobody,
}

#[tauri::command]
pub async fn assign_conversation(
    app: AppHandle,
    id: String,
    assignee: AssigneeArg,
) -> CmdResult<dto::OutboxItem> {
    check_id(&id, "conversation")?;
    let assignee = match assignee {
        AssigneeArg::Admin { id } => {
            check_id(&id, "admin")?;
            store::Assignee::Admin(id)
        }
        AssigneeArg::Team { id } => {
            check_id(&id, "team")?;
            store::Assignee::Team(id)
        }
        AssigneeArg::Nobody => store::Assignee::Nobody,
    };
    enqueue(&app, id, OutboxKind::Assign { assignee }).await
}

fn outbox_id(id: &str) -> CmdResult<i64> {
    id.parse()
        .map_err(|_| CmdError::invalid(format!("{id:?} is not an outbox item id")))
}

#[tauri::command]
pub async fn retry_outbox(shared: State<'_, Shared>, id: String) -> CmdResult<()> {
    let id = outbox_id(&id)?;
    shared
        .current()
        .await?
        .execute(Command::Retry(id))
        .await
        .map(|_| ())
}

#[tauri::command]
pub async fn discard_outbox(shared: State<'_, Shared>, id: String) -> CmdResult<()> {
    let id = outbox_id(&id)?;
    shared
        .current()
        .await?
        .execute(Command::Discard(id))
        .await
        .map(|_| ())
}

#[derive(Debug, serde::Serialize)]
pub struct Directory {
    admins: Vec<dto::Admin>,
    teams: Vec<dto::Team>,
}

#[tauri::command]
pub async fn get_directory(shared: State<'_, Shared>) -> CmdResult<Directory> {
    read(&shared, |s| {
        let admins = s.read(|r| r.admins())?;
        let teams = s.read(|r| r.teams())?;
        Ok(Directory {
            admins: admins
                .into_iter()
                .map(|a| dto::Admin {
                    id: a.id,
                    name: a.name,
                    email: a.email.unwrap_or_default(),
                    away: false,
                })
                .collect(),
            teams: teams
                .into_iter()
                .map(|t| dto::Team {
                    id: t.id,
                    name: t.name,
                })
                .collect(),
        })
    })
    .await
}

#[tauri::command]
pub async fn get_contact_panel(
    shared: State<'_, Shared>,
    contact_id: String,
) -> CmdResult<dto::ContactPanel> {
    check_id(&contact_id, "contact")?;
    read(&shared, move |s| {
        let contact = s
            .read(|r| r.contact(&contact_id))?
            .ok_or_else(|| CmdError::not_found(format!("Contact {contact_id}")))?;
        let recent = s.read(|r| r.contact_conversations(&contact_id, 10))?;
        let events = s.read(|r| r.data_events(&contact_id, 50))?;
        let summaries = s.read(|r| r.event_summaries(&contact_id))?;
        Ok(dto::ContactPanel {
            id: contact.id.clone(),
            name: contact.display_name().to_string(),
            email: contact.email.clone().unwrap_or_default(),
            company: contact.companies.join(", "),
            location: contact.location.clone().unwrap_or_default(),
            custom_attributes: dto::key_values(&contact.custom_attributes),
            recent_conversations: recent
                .into_iter()
                .map(|c| dto::RecentConversation {
                    id: c.id,
                    subject: c.subject.unwrap_or_default(),
                    state: c.state,
                    last_activity_at: c.last_activity_at,
                })
                .collect(),
            events: events
                .into_iter()
                .map(|e| dto::ContactEvent {
                    name: e.event_name,
                    created_at: e.created_at,
                    metadata: dto::key_values(&e.metadata),
                })
                .collect(),
            summaries: summaries
                .into_iter()
                .map(|e| dto::EventSummary {
                    name: e.name,
                    count: e.count,
                    first: e.first.as_deref().and_then(parse_iso).unwrap_or(0),
                    last: e.last.as_deref().and_then(parse_iso).unwrap_or(0),
                })
                .collect(),
        })
    })
    .await
}

/// Intercom's event summaries carry ISO-8601 times (`2014-01-16T23:12:21.000+00:00`).
fn parse_iso(s: &str) -> Option<i64> {
    let (date, rest) = s.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut t = rest.get(..8)?.split(':').map(|p| p.parse::<i64>());
    let (hh, mm, ss) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    let offset = rest.find(['+', '-']).and_then(|i| {
        let o = &rest[i..];
        let sign = if o.starts_with('-') { -1 } else { 1 };
        let (h, m) = o[1..].split_once(':')?;
        Some(sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60))
    });
    // Days from civil (Howard Hinnant).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss - offset.unwrap_or(0))
}

#[derive(Debug, Deserialize)]
pub struct MetadataPair {
    key: String,
    value: String,
}

#[tauri::command]
pub async fn track_event(
    app: AppHandle,
    contact_id: String,
    name: String,
    metadata: Vec<MetadataPair>,
) -> CmdResult<dto::OutboxItem> {
    check_id(&contact_id, "contact")?;
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(CmdError::invalid(
            "An event needs a name of 1 to 255 characters.",
        ));
    }
    if metadata.len() > 10 {
        return Err(CmdError::invalid(
            "Intercom keeps at most 10 metadata pairs per event; remove some.",
        ));
    }
    let mut map = serde_json::Map::new();
    for pair in metadata {
        let key = pair.key.trim().to_string();
        if key.is_empty() {
            return Err(CmdError::invalid("Every metadata pair needs a key."));
        }
        if map
            .insert(key.clone(), serde_json::Value::String(pair.value))
            .is_some()
        {
            return Err(CmdError::invalid(format!(
                "The metadata key {key:?} appears twice."
            )));
        }
    }
    // A data event belongs to a contact, not a conversation: its outbox lane is the contact's.
    let item = enqueue(
        &app,
        String::new(),
        OutboxKind::TrackEvent {
            contact_id,
            name,
            metadata: serde_json::Value::Object(map),
        },
    )
    .await?;
    Ok(item)
}

#[tauri::command]
pub async fn search(
    shared: State<'_, Shared>,
    query: String,
    limit: usize,
) -> CmdResult<Vec<dto::SearchHit>> {
    if query.chars().count() > 500 {
        return Err(CmdError::invalid(
            "The search is longer than 500 characters.",
        ));
    }
    let limit = limit.clamp(1, 200);
    read(&shared, move |s| {
        let hits = s.read(|r| r.search(&query, limit))?;
        let mut out = Vec::with_capacity(hits.len());
        for h in hits {
            let row = s
                .read(|r| r.conversation_detail(&h.conversation_id))
                .ok()
                .flatten();
            let (contact_name, subject) = match &row {
                Some(d) => (
                    d.contacts
                        .first()
                        .map(|c| c.display_name().to_string())
                        .unwrap_or_default(),
                    d.conversation
                        .title
                        .clone()
                        .or_else(|| d.conversation.source_subject.clone())
                        .unwrap_or_default(),
                ),
                None => (String::new(), String::new()),
            };
            out.push(dto::SearchHit {
                conversation_id: h.conversation_id,
                contact_name,
                subject,
                last_activity_at: h.last_activity_at,
                snippet: h
                    .snippet
                    .into_iter()
                    .map(|s| dto::SnippetSegment {
                        text: s.text,
                        matched: s.highlighted,
                    })
                    .collect(),
            });
        }
        Ok(out)
    })
    .await
}

#[tauri::command]
pub fn get_settings(shared: State<'_, Shared>) -> Settings {
    shared.settings()
}

/// Merges a partial update into the settings, validates, saves, and applies what applies now.
#[tauri::command]
pub async fn update_settings(app: AppHandle, settings: serde_json::Value) -> CmdResult<Settings> {
    let shared = app.state::<Shared>();
    let current = shared.settings();
    let mut merged =
        serde_json::to_value(&current).map_err(|e| CmdError::internal(e.to_string()))?;
    let (Some(target), Some(patch)) = (merged.as_object_mut(), settings.as_object()) else {
        return Err(CmdError::invalid("Settings must be an object."));
    };
    for (k, v) in patch {
        if !target.contains_key(k) {
            return Err(CmdError::invalid(format!("{k:?} is not a setting.")));
        }
        target.insert(k.clone(), v.clone());
    }
    let next: Settings = serde_json::from_value(merged)
        .map_err(|e| CmdError::invalid(format!("A setting has the wrong type: {e}")))?;
    let next = next.normalized();
    shared
        .settings_file
        .save(&next)
        .map_err(|e| CmdError::internal(format!("Cannot save the settings: {e}")))?;
    *shared.settings.lock().unwrap_or_else(|e| e.into_inner()) = next.clone();
    if next.start_at_login != current.start_at_login {
        crate::app::set_autostart(&app, next.start_at_login);
    }
    if next.poll_interval_secs != current.poll_interval_secs {
        if let Some(session) = shared.session.lock().await.as_ref() {
            session
                .handle
                .set_poll_interval(std::time::Duration::from_secs(next.poll_interval_secs));
        }
    }
    if next.do_not_disturb != current.do_not_disturb {
        let counts = shared
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        crate::tray::update(&app, &counts, next.do_not_disturb);
    }
    Ok(next)
}

#[tauri::command]
pub fn list_saved_replies(shared: State<'_, Shared>) -> Vec<dto::SavedReply> {
    crate::saved_replies::load(&shared.data_dir)
}

#[tauri::command]
pub fn save_saved_reply(
    shared: State<'_, Shared>,
    reply: dto::SavedReply,
) -> CmdResult<Vec<dto::SavedReply>> {
    crate::saved_replies::save_one(&shared.data_dir, reply).map_err(CmdError::invalid)
}

#[tauri::command]
pub fn delete_saved_reply(
    shared: State<'_, Shared>,
    id: String,
) -> CmdResult<Vec<dto::SavedReply>> {
    crate::saved_replies::delete(&shared.data_dir, &id).map_err(CmdError::internal)
}

#[tauri::command]
pub async fn sync_now(shared: State<'_, Shared>) -> CmdResult<()> {
    shared.current().await?.handle.sync_now();
    Ok(())
}

#[tauri::command]
pub fn get_status(shared: State<'_, Shared>) -> dto::SyncStatus {
    let mut status = shared
        .status
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    status.notifications_problem = shared.notifier.problem();
    status.notifications_available = status.notifications_problem.is_none();
    status
}

/// Opens a link from a message in the system browser. Only web and mail links: anything
/// else (`file:`, `javascript:`, custom schemes) could run something on this computer.
#[tauri::command]
pub fn open_external(app: AppHandle, url: String) -> CmdResult<()> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|_| CmdError::invalid("That link is not a valid URL."))?;
    if !matches!(parsed.scheme(), "http" | "https" | "mailto") {
        return Err(CmdError::invalid(format!(
            "Links of type {}: are not opened.",
            parsed.scheme()
        )));
    }
    use tauri_plugin_opener::OpenerExt;
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|e| CmdError::internal(format!("No browser could open the link: {e}")))
}

/// The UI calls this once its first screen is interactive; with `AGENTDESK_READY_FILE` set
/// (benchmarks), the time is written there in unix milliseconds.
#[tauri::command]
pub fn mark_ready() {
    if let Some(path) = std::env::var_os("AGENTDESK_READY_FILE") {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let _ = std::fs::write(path, ms.to_string());
    }
}

/// The conversation an `agentdesk://` link or a notification asked to open before the inbox
/// listened (a cold start with a link), or null. The inbox calls it once it listens for
/// `app://open-conversation`; later requests come as that event.
#[tauri::command]
pub fn take_pending_open(shared: State<'_, Shared>) -> Option<dto::OpenConversation> {
    shared
        .opens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_escaped_html_paragraphs() {
        assert_eq!(
            plain_to_html("Hi <b>Ann</b> & co"),
            "<p>Hi &lt;b&gt;Ann&lt;/b&gt; &amp; co</p>",
            "what the agent types is text, never markup"
        );
        assert_eq!(
            plain_to_html("one\ntwo\n\nthree"),
            "<p>one<br>two</p><p>three</p>",
            "line breaks and paragraphs survive"
        );
    }

    #[test]
    fn iso_times_from_event_summaries_parse() {
        assert_eq!(
            parse_iso("2014-01-16T23:12:21.000+00:00"),
            Some(1_389_913_941)
        );
        assert_eq!(
            parse_iso("2014-01-16T23:12:21.000+01:00"),
            Some(1_389_913_941 - 3600),
            "offsets are honoured"
        );
        assert_eq!(
            parse_iso("garbage"),
            None,
            "bad input is no time, not a panic"
        );
    }

    #[test]
    fn ids_are_checked_before_use() {
        assert!(check_id("12345", "conversation").is_ok());
        assert!(check_id("", "conversation").is_err());
        assert!(
            check_id("1 OR 1=1", "conversation").is_err(),
            "ids are plain tokens"
        );
    }
}
