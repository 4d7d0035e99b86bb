//! Native notifications (notify-rust over the freedesktop D-Bus interface) for new customer
//! messages. Which messages deserve one is decided elsewhere (the store remembers notified
//! parts; the session filters views, do-not-disturb and the conversation on screen); this
//! module only words a batch, shows it, routes a click, and closes everything on logout.
//!
//! Names and messages are strangers' text. Servers that read the body as markup (the
//! `body-markup` capability: GNOME Shell, KDE, dunst, mako) get it escaped, so a message
//! holding `<a href=...>`, `<img ...>` or `a < b & c` shows as that text, never as a link, an
//! image or a blank notification; servers without it get the plain text, as the
//! specification asks. The summary is plain text for every server and is sent as it is.
//! Control characters, which break a server's markup parser, never reach the bus.
//! (`crates/app/tests/notifications.rs` holds this against dunst.)
//!
//! Without a notification service the app carries on: the failure is remembered, shown once
//! in Settings and logged once. Each later batch is still tried (one call on the bus that
//! fails at once), so notifications resume by themselves when a service starts, and the
//! first success clears the problem. (`tests/e2e/tests/notifications.rs` holds this.)

use std::sync::{Arc, Mutex};

/// One new customer message, as the notifier needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// Its conversation (a click opens it).
    pub conversation_id: String,
    /// Who wrote.
    pub contact_name: String,
    /// What they wrote, as plain text.
    pub text: String,
}

/// What one notification says, and which conversation a click opens (none when it spans
/// several conversations: then the click opens the inbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The title line.
    pub summary: String,
    /// The text under it.
    pub body: String,
    /// The conversation a click opens; none opens the inbox.
    pub conversation_id: Option<String>,
}

const BODY_CHARS: usize = 180;
/// The most of a contact's name a notification shows: a name is a stranger's text too, and
/// the summary line and the "From ..." body stay short.
const NAME_CHARS: usize = 60;

/// A stranger's text made fit for one line of a notification: control characters (which make
/// a markup parser refuse the whole body) dropped, whitespace runs made one space, at most
/// `max_chars` characters.
fn one_line(text: &str, max_chars: usize) -> String {
    let visible: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    agentdesk_content::snippet(&visible, max_chars)
}

/// Words one poll's new messages as a single notification ("4 new messages in 3
/// conversations"), or nothing when there is nothing new. With `hide_text`, no message text
/// appears, only who wrote.
pub fn coalesce(messages: &[NewMessage], hide_text: bool) -> Option<Batch> {
    let last = messages.last()?;
    let name = |m: &NewMessage| one_line(&m.contact_name, NAME_CHARS);
    let mut conversations: Vec<&str> = messages
        .iter()
        .map(|m| m.conversation_id.as_str())
        .collect();
    conversations.sort_unstable();
    conversations.dedup();
    let text = |m: &NewMessage| {
        if hide_text {
            "New message".to_string()
        } else {
            one_line(&m.text, BODY_CHARS)
        }
    };
    Some(match (messages.len(), conversations.len()) {
        (1, _) => Batch {
            summary: name(last),
            body: text(last),
            conversation_id: Some(last.conversation_id.clone()),
        },
        (n, 1) => Batch {
            summary: format!("{n} new messages from {}", name(last)),
            body: text(last),
            conversation_id: Some(last.conversation_id.clone()),
        },
        (n, c) => {
            let mut names: Vec<String> = Vec::new();
            for m in messages.iter().rev() {
                let name = name(m);
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            let body = match names.len() {
                1 => format!("From {}", names[0]),
                2 => format!("From {} and {}", names[0], names[1]),
                k => format!(
                    "From {}, {} and {} other{}",
                    names[0],
                    names[1],
                    k - 2,
                    if k == 3 { "" } else { "s" }
                ),
            };
            Batch {
                summary: format!("{n} new messages in {c} conversations"),
                body,
                conversation_id: None,
            }
        }
    })
}

type ClickHandler = Arc<dyn Fn(Option<String>) + Send + Sync>;

/// The icon name the .deb installs (hicolor `agentdesk.png`, `Icon=agentdesk` in its entry).
const ICON: &str = "agentdesk";
/// The .deb's desktop entry (`Agentdesk.desktop`), so the desktop ties notifications to it.
const DESKTOP_ENTRY: &str = "Agentdesk";
/// The freedesktop sound theme's sound for a new instant message; without a sound name
/// GNOME Shell plays nothing.
const SOUND: &str = "message-new-instant";
/// The most of our notifications kept open at once. Each open one holds a D-Bus connection
/// and a thread waiting for its click until it closes, and GNOME keeps notifications in its
/// list until dismissed: older ones are closed as new ones come, so a day of messages holds
/// no more than this.
pub const MAX_SHOWN: usize = 3;

/// Shows batches and keeps their handles so logout can close them.
pub struct Notifier {
    shown: Arc<Mutex<Shown>>,
    problem: Mutex<Option<String>>,
    on_click: ClickHandler,
}

/// The notifications on screen, oldest first, and the epoch they belong to: `close_all`
/// starts a new epoch, so a batch decided under the old one is never shown after it.
#[derive(Default)]
struct Shown {
    epoch: u64,
    handles: std::collections::VecDeque<(u32, notify_rust::NotificationHandle)>,
}

/// Text escaped for a notification body that the server reads as markup: `&`, `<` and `>`
/// become entities, so nothing in it is a tag or an entity of the sender's. (Pango markup, the
/// subset of HTML the freedesktop specification names, and Qt's rich text all read these.)
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// The body as the server must receive it: escaped when it reads markup, as it is otherwise
/// (a server without `body-markup` shows the text literally, and would show the entities).
pub fn body_for_server(batch: &Batch, server_reads_markup: bool) -> String {
    if server_reads_markup {
        escape_markup(&batch.body)
    } else {
        batch.body.clone()
    }
}

/// Whether the running notification server reads the body as markup (its `body-markup`
/// capability). When it cannot be asked, it is taken to read markup: escaped text shown by a
/// server that does not is only odd, while unescaped text shown by one that does is a link.
fn server_reads_markup() -> bool {
    notify_rust::get_capabilities().map_or(true, |caps| caps.iter().any(|c| c == "body-markup"))
}

/// The notification for a batch: the body escaped when the server reads markup, the
/// installed icon, the desktop entry, and a sound hint either way (a sound name when sound is
/// on, `suppress-sound` when off).
pub fn notification(
    batch: &Batch,
    sound: bool,
    server_reads_markup: bool,
) -> notify_rust::Notification {
    let mut notification = notify_rust::Notification::new();
    notification
        .appname("Agentdesk")
        .summary(&batch.summary)
        .body(&body_for_server(batch, server_reads_markup))
        .icon(ICON)
        .action("default", "Open")
        .hint(notify_rust::Hint::Category("im.received".into()))
        .hint(notify_rust::Hint::DesktopEntry(DESKTOP_ENTRY.into()));
    if sound {
        notification.sound_name(SOUND);
    } else {
        notification.hint(notify_rust::Hint::SuppressSound(true));
    }
    notification
}

impl Notifier {
    /// `on_click` receives the conversation to open (or none for "open the inbox").
    pub fn new(on_click: impl Fn(Option<String>) + Send + Sync + 'static) -> Notifier {
        Notifier {
            shown: Arc::default(),
            problem: Mutex::default(),
            on_click: Arc::new(on_click),
        }
    }

    /// Why notifications cannot be shown, if they cannot (for Settings).
    pub fn problem(&self) -> Option<String> {
        self.problem
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The current epoch: read it when deciding to notify, pass it to [`Notifier::show`].
    pub fn epoch(&self) -> u64 {
        self.shown.lock().unwrap_or_else(|e| e.into_inner()).epoch
    }

    /// How many notifications are open.
    #[cfg(test)]
    fn open_count(&self) -> usize {
        self.shown
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .handles
            .len()
    }

    /// Shows one batch decided in `epoch`; nothing if the session ended since (logout,
    /// switch). Errors are remembered (see [`Notifier::problem`]) and logged once.
    pub fn show(&self, batch: &Batch, sound: bool, epoch: u64) {
        if self.epoch() != epoch {
            return;
        }
        match notification(batch, sound, server_reads_markup()).show() {
            Ok(handle) => {
                let id = handle.id();
                let evicted = {
                    let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
                    if shown.epoch != epoch {
                        // `close_all` ran while this one was being shown: it must not stay.
                        drop(shown);
                        handle.close();
                        return;
                    }
                    shown.handles.push_back((id, handle));
                    let excess = shown.handles.len().saturating_sub(MAX_SHOWN);
                    shown.handles.drain(..excess).collect::<Vec<_>>()
                };
                for (_, old) in evicted {
                    old.close();
                }
                *self.problem.lock().unwrap_or_else(|e| e.into_inner()) = None;
                let on_click = Arc::clone(&self.on_click);
                let conversation = batch.conversation_id.clone();
                let shown = Arc::downgrade(&self.shown);
                // Blocks until the notification is clicked or closed, so it gets a thread;
                // then its handle (and D-Bus connection) goes.
                std::thread::spawn(move || {
                    let _ = notify_rust::handle_action(id, |action| {
                        if let notify_rust::ActionResponse::Custom(key) = action {
                            if *key == "default" {
                                on_click(conversation.clone());
                            }
                        }
                    });
                    if let Some(shown) = shown.upgrade() {
                        let done = {
                            let mut shown = shown.lock().unwrap_or_else(|e| e.into_inner());
                            let at = shown.handles.iter().position(|(i, _)| *i == id);
                            at.and_then(|at| shown.handles.remove(at))
                        };
                        drop(done);
                    }
                });
            }
            Err(err) => {
                let mut problem = self.problem.lock().unwrap_or_else(|e| e.into_inner());
                if problem.is_none() {
                    tracing::warn!(%err, "cannot show notifications; carrying on without them");
                }
                *problem = Some(format!(
                    "Notifications cannot be shown: no notification service answered ({err}). \
                     Agentdesk keeps working; the tray badge still shows the unread count."
                ));
            }
        }
    }

    /// Closes every notification this session showed and starts a new epoch, so none
    /// decided before can appear after (logout, workspace switch).
    pub fn close_all(&self) {
        let shown = {
            let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
            shown.epoch += 1;
            std::mem::take(&mut shown.handles)
        };
        for (_, handle) in shown {
            handle.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(conv: &str, name: &str, text: &str) -> NewMessage {
        NewMessage {
            conversation_id: conv.into(),
            contact_name: name.into(),
            text: text.into(),
        }
    }

    #[test]
    fn nothing_new_means_no_notification() {
        assert_eq!(coalesce(&[], false), None, "an idle poll must stay silent");
    }

    #[test]
    fn one_message_names_the_contact_and_opens_its_conversation() {
        let batch = coalesce(&[msg("1", "Ann Lee", "My invoice is wrong")], false).unwrap();
        assert_eq!(batch.summary, "Ann Lee");
        assert_eq!(batch.body, "My invoice is wrong");
        assert_eq!(
            batch.conversation_id.as_deref(),
            Some("1"),
            "a click opens that conversation"
        );
    }

    #[test]
    fn several_messages_in_one_conversation_are_one_notification() {
        let batch = coalesce(&[msg("1", "Ann", "a"), msg("1", "Ann", "b")], false).unwrap();
        assert_eq!(batch.summary, "2 new messages from Ann");
        assert_eq!(batch.body, "b", "the newest text is shown");
        assert_eq!(batch.conversation_id.as_deref(), Some("1"));
    }

    #[test]
    fn messages_across_conversations_are_counted_together() {
        let batch = coalesce(
            &[
                msg("1", "Ann", "a"),
                msg("2", "Bob", "b"),
                msg("3", "Cy", "c"),
                msg("3", "Cy", "d"),
            ],
            false,
        )
        .unwrap();
        assert_eq!(
            batch.summary, "4 new messages in 3 conversations",
            "the issue's own wording"
        );
        assert_eq!(batch.body, "From Cy, Bob and 1 other");
        assert_eq!(
            batch.conversation_id, None,
            "a click on a summary opens the inbox"
        );
    }

    #[test]
    fn privacy_setting_hides_the_text() {
        let batch = coalesce(&[msg("1", "Ann", "my password is hunter2")], true).unwrap();
        assert!(
            !batch.body.contains("hunter2"),
            "hidden text must not reach the notification daemon"
        );
        assert_eq!(batch.summary, "Ann", "who wrote is still shown");
    }

    #[test]
    fn long_text_is_shortened() {
        let batch = coalesce(&[msg("1", "Ann", &"word ".repeat(200))], false).unwrap();
        assert!(
            batch.body.chars().count() <= BODY_CHARS + 1,
            "notifications stay short"
        );
    }

    #[test]
    fn markup_in_a_message_is_escaped_only_for_servers_that_read_markup() {
        let batch = coalesce(
            &[msg(
                "1",
                "Eve",
                r#"<a href="https://x.example">pay</a> <img src=x> a < b & c"#,
            )],
            false,
        )
        .unwrap();
        assert_eq!(
            body_for_server(&batch, true),
            r#"&lt;a href="https://x.example"&gt;pay&lt;/a&gt; &lt;img src=x&gt; a &lt; b &amp; c"#,
            "a server that reads markup must get no tag and no bare & of the sender's"
        );
        assert_eq!(
            body_for_server(&batch, false),
            batch.body,
            "a server without body-markup shows the text literally, so it gets it unescaped"
        );
        assert_eq!(
            escape_markup("&amp;"),
            "&amp;amp;",
            "an entity the customer typed is shown as typed, not decoded"
        );
    }

    #[test]
    fn control_characters_and_long_names_never_reach_the_server() {
        let long = "N".repeat(500);
        let batch = coalesce(
            &[
                msg("1", "Ann\u{1}\u{7f}Lee", "hi\u{0}there\u{1b}[31m"),
                msg("2", &long, "x"),
            ],
            false,
        )
        .unwrap();
        assert!(
            !batch.body.chars().any(char::is_control)
                && !batch.summary.chars().any(char::is_control),
            "a control character makes a markup parser refuse the body: {batch:?}"
        );
        assert!(
            batch.body.chars().count() <= 2 * (NAME_CHARS + 1) + 20,
            "a stranger's long name must not make the notification long: {}",
            batch.body.chars().count()
        );
        let one = coalesce(&[msg("1", "Ann\nLee", "hi\u{0}there")], false).unwrap();
        assert_eq!(one.summary, "Ann Lee", "a name is one line");
        assert_eq!(
            one.body, "hi there",
            "a control character is a space, not glue"
        );
    }

    fn batch() -> Batch {
        coalesce(&[msg("1", "Ann", "hello")], false).unwrap()
    }

    /// Regression: "Play a sound" sent no sound hint, and GNOME Shell plays nothing without
    /// one; the icon named the app id, which nothing installs.
    #[test]
    fn the_sound_setting_decides_the_sound_hint_and_the_icon_is_the_installed_one() {
        use notify_rust::Hint;
        let on = notification(&batch(), true, true);
        assert!(
            on.hints
                .contains(&Hint::SoundName("message-new-instant".into())),
            "with sound on, the daemon is told which sound to play"
        );
        assert!(
            !on.hints.contains(&Hint::SuppressSound(true)),
            "and is not told to stay silent"
        );
        let off = notification(&batch(), false, true);
        assert!(
            off.hints.contains(&Hint::SuppressSound(true)),
            "with sound off, the daemon is told to stay silent"
        );
        assert!(
            !off.hints.iter().any(|h| matches!(h, Hint::SoundName(_))),
            "and gets no sound to play"
        );
        assert_eq!(on.icon, "agentdesk", "the icon the .deb installs");
        assert!(
            on.hints.contains(&Hint::DesktopEntry("Agentdesk".into())),
            "the desktop ties the notification to the installed entry"
        );
    }

    /// Regression: a batch being shown while logout closed everything appeared after it and
    /// stayed on screen.
    #[test]
    fn a_batch_decided_before_logout_is_never_shown_after_it() {
        let notifier = Notifier::new(|_| {});
        let epoch = notifier.epoch();
        notifier.close_all();
        notifier.show(&batch(), true, epoch);
        assert_eq!(
            notifier.problem(),
            None,
            "a batch of an ended session never reaches D-Bus (not even to fail)"
        );
        assert_eq!(notifier.open_count(), 0, "nothing is left open");
        assert_ne!(
            notifier.epoch(),
            epoch,
            "logout starts a new epoch, so later batches are shown again"
        );
    }
}
