//! Saved replies (`saved_replies.json` in the data directory): short texts that prefill the
//! composer. They belong to this computer's user, not to a workspace, and hold no secret.

use std::path::Path;

use crate::dto::SavedReply;

const FILE: &str = "saved_replies.json";
const MAX_REPLIES: usize = 200;
const MAX_BODY: usize = 10_000;

fn defaults() -> Vec<SavedReply> {
    vec![
        SavedReply { id: "thanks".into(), title: "Thanks for reaching out".into(), body: "Thanks for reaching out! I'm looking into this now and will get back to you shortly.".into() },
        SavedReply { id: "more-info".into(), title: "Ask for details".into(), body: "Could you share a few more details (what you expected, what happened, and when)? That will help me sort this out quickly.".into() },
        SavedReply { id: "resolved".into(), title: "Resolved".into(), body: "This should be sorted now. If anything else comes up, just reply here.".into() },
    ]
}

/// The saved replies; the defaults when there is no file or it is not valid.
pub fn load(data_dir: &Path) -> Vec<SavedReply> {
    match std::fs::read(data_dir.join(FILE)) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!(%e, "saved replies file is not valid; showing the defaults");
            defaults()
        }),
        Err(_) => defaults(),
    }
}

fn store(data_dir: &Path, replies: &[SavedReply]) -> Result<(), String> {
    let json = serde_json::to_vec_pretty(replies).map_err(|e| e.to_string())?;
    crate::paths::write_private(&data_dir.join(FILE), &json)
        .map_err(|e| format!("cannot save the saved replies: {e}"))
}

/// Adds or replaces (same id) one reply after checking it.
pub fn save_one(data_dir: &Path, reply: SavedReply) -> Result<Vec<SavedReply>, String> {
    let title = reply.title.trim();
    if title.is_empty() || reply.body.trim().is_empty() {
        return Err("A saved reply needs a title and a text.".into());
    }
    if reply.body.chars().count() > MAX_BODY {
        return Err(format!(
            "A saved reply holds at most {MAX_BODY} characters."
        ));
    }
    let mut replies = load(data_dir);
    let id = if reply.id.trim().is_empty() {
        format!("r{}", crate::time::now())
    } else {
        reply.id.clone()
    };
    let reply = SavedReply {
        id: id.clone(),
        title: title.to_string(),
        body: reply.body,
    };
    let full = replies.len() >= MAX_REPLIES;
    match replies.iter_mut().find(|r| r.id == id) {
        Some(existing) => *existing = reply,
        None if full => {
            return Err(format!(
                "There are already {MAX_REPLIES} saved replies; delete some first."
            ))
        }
        None => replies.push(reply),
    }
    store(data_dir, &replies)?;
    Ok(replies)
}

/// Deletes one reply (by id) and returns the list.
pub fn delete(data_dir: &Path, id: &str) -> Result<Vec<SavedReply>, String> {
    let mut replies = load(data_dir);
    replies.retain(|r| r.id != id);
    store(data_dir, &replies)?;
    Ok(replies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_replies_start_with_defaults_and_persist_changes() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            !load(dir.path()).is_empty(),
            "a new agent gets a few useful defaults"
        );
        let list = save_one(
            dir.path(),
            SavedReply {
                id: String::new(),
                title: "Hi".into(),
                body: "Hello!".into(),
            },
        )
        .unwrap();
        let added = list
            .iter()
            .find(|r| r.title == "Hi")
            .expect("the new reply is listed");
        assert!(!added.id.is_empty(), "a new reply gets an id");
        let after = delete(dir.path(), "thanks").unwrap();
        assert!(
            after.iter().all(|r| r.id != "thanks"),
            "deleted replies are gone"
        );
        assert_eq!(load(dir.path()), after, "changes persist");
    }

    #[test]
    fn empty_replies_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(save_one(
            dir.path(),
            SavedReply {
                id: "x".into(),
                title: " ".into(),
                body: "b".into()
            }
        )
        .is_err());
    }
}
