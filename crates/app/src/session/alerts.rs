//! Which new customer messages raise a notification, and raising it. The engine announces
//! contact parts never notified ([`agentdesk_store::NotificationCandidate`]); the policy here
//! drops what the agent does not follow or already sees, words at most one notification for
//! the batch (`notify::coalesce`), shows it, and marks every candidate notified (shown or
//! deliberately not), so none is ever raised twice.
//!
//! A message notifies when: do-not-disturb is off, its conversation is not the one on screen
//! in a focused window, and the conversation is in a view the agent follows (Settings,
//! "Notify for"), by the store's one membership rule ([`agentdesk_store::View::contains`]).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use agentdesk_store::{self as store, View};
use agentdesk_sync::Command;

use super::state::{blocking, lock, Session, Shared};
use crate::notify::NewMessage;

/// Whether the conversation is in any of the `followed` views (view ids as Settings stores
/// them: `mine`, `unassigned`, `team:<id>`, `all_open`) for `me`. A team view counts only
/// for one of `my_teams` (the sidebar shows no other), and Snoozed and Closed never notify
/// (Settings does not offer them; a hand-edited file cannot turn them on).
pub fn in_followed_views(
    c: &store::Conversation,
    me: &str,
    my_teams: &[String],
    followed: &[String],
) -> bool {
    followed
        .iter()
        .filter_map(|id| id.parse::<View>().ok())
        .filter(|view| match view {
            View::Team(team) => my_teams.contains(team),
            View::Snoozed | View::Closed => false,
            View::Mine | View::Unassigned | View::AllOpen => true,
        })
        .any(|view| view.contains(c.into(), me))
}

impl Shared {
    /// Raises at most one notification for a poll's new customer messages, then remembers
    /// every one of them as notified.
    pub(crate) async fn notify(
        &self,
        session: &Arc<Session>,
        candidates: Vec<store::NotificationCandidate>,
    ) {
        // Before anything else: a logout from here on makes this batch stale.
        let epoch = self.notifier.epoch();
        let settings = self.settings();
        let part_ids: Vec<String> = candidates.iter().map(|c| c.part_id.clone()).collect();
        let on_screen = self
            .window_focused
            .load(Ordering::Relaxed)
            .then(|| lock(&self.open_conversation).clone())
            .flatten();
        if !settings.do_not_disturb && !candidates.is_empty() {
            let s = Arc::clone(session);
            let follow = settings.notify_views.clone();
            let messages = blocking(move || {
                let teams = s.team_ids();
                let mut out = Vec::new();
                for c in candidates {
                    if on_screen.as_deref() == Some(c.conversation_id.as_str()) {
                        continue;
                    }
                    let Ok(Some(conv)) = s.read(|r| r.conversation(&c.conversation_id)) else {
                        continue;
                    };
                    if !in_followed_views(&conv, &s.workspace.admin_id, &teams, &follow) {
                        continue;
                    }
                    out.push(NewMessage {
                        conversation_id: c.conversation_id,
                        contact_name: c.author_name.unwrap_or_else(|| "A customer".into()),
                        text: c.preview,
                    });
                }
                out
            })
            .await
            .unwrap_or_default();
            if let Some(batch) = crate::notify::coalesce(&messages, settings.hide_message_text) {
                let notifier = Arc::clone(&self.notifier);
                let sound = settings.sound;
                // D-Bus calls block briefly; keep them off the async workers.
                let _ = blocking(move || notifier.show(&batch, sound, epoch)).await;
                let problem = self.notifier.problem();
                self.update_status_if_changed(|status| {
                    status.notifications_available = problem.is_none();
                    status.notifications_problem = problem;
                });
            }
        }
        if !part_ids.is_empty() {
            let _ = session
                .handle
                .execute(Command::MarkNotified(part_ids))
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(
        state: store::ConversationState,
        admin: Option<&str>,
        team: Option<&str>,
    ) -> store::Conversation {
        store::Conversation {
            state,
            admin_assignee_id: admin.map(String::from),
            team_assignee_id: team.map(String::from),
            ..Default::default()
        }
    }

    #[test]
    fn followed_views_decide_who_gets_notified() {
        use store::ConversationState::*;
        let follow = vec!["mine".to_string(), "unassigned".to_string()];
        let teams = vec!["7".to_string()];
        assert!(
            in_followed_views(&conv(Open, Some("me"), None), "me", &teams, &follow),
            "my open conversation"
        );
        assert!(
            in_followed_views(&conv(Open, None, None), "me", &teams, &follow),
            "an unassigned one"
        );
        assert!(
            !in_followed_views(&conv(Open, Some("bob"), None), "me", &teams, &follow),
            "a teammate's is not mine"
        );
        assert!(
            !in_followed_views(&conv(Open, None, Some("7")), "me", &teams, &follow),
            "team views are not followed by default"
        );
        assert!(
            !in_followed_views(&conv(Snoozed, Some("me"), None), "me", &teams, &follow),
            "snoozed is not in Your inbox"
        );
        let with_team = vec!["team:7".to_string()];
        assert!(
            in_followed_views(&conv(Open, None, Some("7")), "me", &teams, &with_team),
            "a followed team notifies"
        );
        assert!(
            !in_followed_views(
                &conv(Open, None, Some("8")),
                "me",
                &teams,
                &["team:8".into()]
            ),
            "a team the agent is not in has no view to follow"
        );
        let everything = vec!["all_open".into(), "snoozed".into(), "closed".into()];
        assert!(
            in_followed_views(&conv(Open, Some("bob"), None), "me", &teams, &everything),
            "All open holds every open conversation"
        );
        assert!(
            !in_followed_views(&conv(Closed, None, None), "me", &teams, &everything)
                && !in_followed_views(&conv(Snoozed, None, None), "me", &teams, &everything),
            "Snoozed and Closed never notify, even when a hand-edited file lists them"
        );
    }
}
