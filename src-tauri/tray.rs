//! The tray icon: the unread count drawn on the icon itself (see `badge.rs`) and written in
//! its tooltip and title, and a menu with the views and their counts, Do not disturb, Sync now
//! and Quit. It is updated from the count events, never polled.

use std::sync::Mutex;

use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};

use crate::dto::ViewCount;

const TRAY_ID: &str = "main";
/// The icon the badge is drawn on (64 px: crisp at every tray size).
const ICON_PNG: &[u8] = include_bytes!("../icons/64x64.png");

/// The tray's current text, kept for tests and the About panel.
#[derive(Default)]
pub struct TrayState {
    pub tooltip: Mutex<String>,
    last_badge: Mutex<Option<u64>>,
}

impl TrayState {
    /// The tooltip as last set (empty before the first count).
    pub fn tooltip(&self) -> String {
        self.tooltip
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The count the tray shows: unread in Your inbox plus Unassigned (disjoint sets: a
/// conversation is assigned to me or to nobody), the two queues an agent answers from.
pub fn tray_count(counts: &[ViewCount]) -> u64 {
    counts
        .iter()
        .filter(|c| c.id == "mine" || c.id == "unassigned")
        .map(|c| c.unread.max(0) as u64)
        .sum()
}

/// `Agentdesk: 5 unread (Your inbox 3, Unassigned 2)`.
pub fn tooltip(counts: &[ViewCount]) -> String {
    let total = tray_count(counts);
    if counts.is_empty() {
        return "Agentdesk".into();
    }
    let parts: Vec<String> = counts
        .iter()
        .filter(|c| c.id == "mine" || c.id == "unassigned")
        .map(|c| format!("{} {}", c.name, c.unread))
        .collect();
    format!("Agentdesk: {total} unread ({})", parts.join(", "))
}

pub fn build(app: &AppHandle) -> tauri::Result<()> {
    let menu = menu(app, &[], false)?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Agentdesk")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                crate::app::show_main_window(tray.app_handle());
            }
        });
    if let Ok(icon) = Image::from_bytes(ICON_PNG) {
        tray = tray.icon(icon);
    }
    tray.build(app)?;
    Ok(())
}

fn menu(app: &AppHandle, counts: &[ViewCount], dnd: bool) -> tauri::Result<Menu<tauri::Wry>> {
    let menu = Menu::new(app)?;
    menu.append(&MenuItem::with_id(
        app,
        "open",
        "Open inbox",
        true,
        None::<&str>,
    )?)?;
    if !counts.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
        for c in counts {
            let label = if c.unread > 0 {
                format!("{}  ({})", c.name, c.unread)
            } else {
                c.name.clone()
            };
            menu.append(&MenuItem::with_id(
                app,
                format!("view:{}", c.id),
                label,
                true,
                None::<&str>,
            )?)?;
        }
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&CheckMenuItem::with_id(
        app,
        "dnd",
        "Do not disturb",
        true,
        dnd,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(
        app,
        "sync",
        "Sync now",
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?)?;
    Ok(menu)
}

fn on_menu(app: &AppHandle, id: &str) {
    match id {
        "open" => crate::app::show_main_window(app),
        "quit" => app.exit(0),
        "sync" => crate::session::sync_now(app),
        "dnd" => crate::session::toggle_dnd(app),
        other => {
            if let Some(view) = other.strip_prefix("view:") {
                crate::app::show_main_window(app);
                crate::session::show_view(app, view);
            }
        }
    }
}

/// Redraws the badge, tooltip, title and menu for new counts.
pub fn update(app: &AppHandle, counts: &[ViewCount], dnd: bool) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let state = app.state::<TrayState>();
    let text = tooltip(counts);
    *state.tooltip.lock().unwrap_or_else(|e| e.into_inner()) = text.clone();
    let _ = tray.set_tooltip(Some(&text));
    let count = tray_count(counts);
    let _ = tray.set_title(Some(crate::badge::badge_text(count)));
    let mut last = state.last_badge.lock().unwrap_or_else(|e| e.into_inner());
    if *last != Some(count) {
        *last = Some(count);
        set_badge(&tray, count);
    }
    if let Ok(menu) = menu(app, counts, dnd) {
        let _ = tray.set_menu(Some(menu));
    }
}

fn set_badge(tray: &TrayIcon, count: u64) {
    if let Ok(base) = Image::from_bytes(ICON_PNG) {
        let (w, h) = (base.width(), base.height());
        let rgba = crate::badge::draw(base.rgba(), w, h, count);
        let _ = tray.set_icon(Some(Image::new_owned(rgba, w, h)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vc(id: &str, name: &str, unread: i64) -> ViewCount {
        ViewCount {
            id: id.into(),
            name: name.into(),
            total: 10,
            unread,
        }
    }

    #[test]
    fn the_tray_counts_your_inbox_and_unassigned() {
        let counts = [
            vc("mine", "Your inbox", 3),
            vc("unassigned", "Unassigned", 2),
            vc("all_open", "All open", 40),
            vc("team:1", "Billing", 7),
        ];
        assert_eq!(
            tray_count(&counts),
            5,
            "All open and teams overlap the queues; counting them would double count"
        );
        assert_eq!(
            tooltip(&counts),
            "Agentdesk: 5 unread (Your inbox 3, Unassigned 2)"
        );
    }

    #[test]
    fn no_session_shows_the_plain_name() {
        assert_eq!(tooltip(&[]), "Agentdesk");
        assert_eq!(tray_count(&[]), 0);
    }
}
