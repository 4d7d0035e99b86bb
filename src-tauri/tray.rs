//! The tray icon: the unread count drawn on the icon itself and written in its tooltip and
//! title (what to show is `agentdesk_app::badge`), and a menu with the views and their
//! counts, Do not disturb, Sync now and Quit. It is updated from the count events, never
//! polled.

use std::sync::Mutex;

use agentdesk_app::badge::{self, tooltip, tray_count};
use agentdesk_app::dto::ViewCount;
use agentdesk_app::AppState;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager};

use crate::window::show_main_window;

const TRAY_ID: &str = "main";
/// The icon the badge is drawn on (64 px: crisp at every tray size).
const ICON_PNG: &[u8] = include_bytes!("../icons/64x64.png");

/// The tray's current text, kept for tests and the About panel.
#[derive(Default)]
pub(crate) struct TrayState {
    pub(crate) tooltip: Mutex<String>,
    last_badge: Mutex<Option<u64>>,
}

impl TrayState {
    /// The tooltip as last set (empty before the first count).
    pub(crate) fn tooltip(&self) -> String {
        self.tooltip
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Builds the tray (no counts yet).
pub(crate) fn build(app: &AppHandle) -> tauri::Result<()> {
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
                show_main_window(tray.app_handle());
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
    let state = app.state::<AppState>().inner().clone();
    match id {
        "open" => show_main_window(app),
        "quit" => app.exit(0),
        "sync" => {
            tauri::async_runtime::spawn(async move {
                let _ = state.sync_now().await;
            });
        }
        "dnd" => state.toggle_do_not_disturb(),
        other => {
            if let Some(view) = other.strip_prefix("view:") {
                show_main_window(app);
                state.show_view(view);
            }
        }
    }
}

/// Redraws the badge, tooltip, title and menu for new counts.
pub(crate) fn update(app: &AppHandle, counts: &[ViewCount], dnd: bool) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let state = app.state::<TrayState>();
    let text = tooltip(counts);
    *state.tooltip.lock().unwrap_or_else(|e| e.into_inner()) = text.clone();
    let _ = tray.set_tooltip(Some(&text));
    let count = tray_count(counts);
    let _ = tray.set_title(Some(badge::badge_text(count)));
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
        let rgba = badge::draw(base.rgba(), w, h, count);
        let _ = tray.set_icon(Some(Image::new_owned(rgba, w, h)));
    }
}
