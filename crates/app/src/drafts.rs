//! Drafts the window keeps as the agent types (issue 22): saved in the workspace's cache
//! through the engine (the one writer), listed when an inbox opens, consumed by the reply or
//! note queued from them. Logout deletes the cache, and the drafts with it.

use agentdesk_sync::Command;
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::ids;
use crate::session::Shared;

/// An unsent reply or note, as the composer restores it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    /// The conversation's or ticket's id.
    pub id: String,
    /// `comment` or `note`.
    pub kind: String,
    /// The text as typed.
    pub text: String,
    /// Unix seconds of the last save.
    pub updated_at: i64,
}

impl Shared {
    /// Keeps the composer's text for `id` (a blank text deletes the draft) in the cache of
    /// `workspace_id`. A window that was switching workspaces may still save the last one's
    /// draft: it is refused (`stale_workspace`) rather than written into another workspace's cache.
    pub async fn save_draft(
        &self,
        workspace_id: &str,
        id: String,
        kind: &str,
        text: String,
    ) -> AppResult<()> {
        ids::check(&id, "conversation")?;
        if !matches!(kind, "comment" | "note") {
            return Err(AppError::invalid(format!(
                "a draft is a reply (\"comment\") or a note (\"note\"), not {kind:?}"
            )));
        }
        let session = self.current().await?;
        if session.workspace.id != workspace_id {
            return Err(AppError::new(
                "stale_workspace",
                "That draft belongs to a workspace that is no longer open; it was not saved.",
            ));
        }
        session
            .execute(Command::SaveDraft {
                id,
                kind: kind.to_owned(),
                body: text,
            })
            .await
            .map(|_| ())
    }

    /// Every draft of the open workspace, the most recently saved first.
    pub async fn drafts(&self) -> AppResult<Vec<Draft>> {
        self.read(|s| s.read(|r| r.drafts())).await.map(|all| {
            all.into_iter()
                .map(|d| Draft {
                    id: d.id,
                    kind: d.kind,
                    text: d.body,
                    updated_at: d.updated_at,
                })
                .collect()
        })
    }
}
