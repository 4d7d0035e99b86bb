//! What the tray shows: the unread count it counts ([`tray_count`]: Your inbox, Unassigned
//! and the agent's tickets), its tooltip, and the count drawn onto the icon: a red disc in the top-right
//! corner with the number in white (1 to 99, then "99+"). Pure work on numbers and an RGBA
//! buffer, so it is tested without a display and costs microseconds per change; the shell's
//! `src-tauri/tray.rs` puts the result on the tray.

use crate::dto::ViewCount;

/// The views whose unread the tray counts: Your inbox and Unassigned (disjoint sets: a
/// conversation is assigned to me or to nobody), the two queues an agent answers from, and
/// Tickets (whose unread counts only the agent's and unassigned tickets; a ticket is never a
/// conversation).
fn counted(c: &ViewCount) -> bool {
    matches!(c.id.as_str(), "mine" | "unassigned" | "tickets")
}

/// The count the tray shows: unread in Your inbox, Unassigned and Tickets.
pub fn tray_count(counts: &[ViewCount]) -> u64 {
    counts
        .iter()
        .filter(|c| counted(c))
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
        .filter(|c| counted(c))
        .map(|c| format!("{} {}", c.name, c.unread))
        .collect();
    format!("Agentdesk: {total} unread ({})", parts.join(", "))
}

/// 3x5 glyphs for the badge, one row per entry, most significant bit leftmost.
fn glyph(c: char) -> Option<[u8; 5]> {
    Some(match c {
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
        '3' => [0b111, 0b001, 0b111, 0b001, 0b111],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
        '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b010, 0b010, 0b010],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
        '+' => [0b000, 0b010, 0b111, 0b010, 0b000],
        _ => return None,
    })
}

/// The text a badge shows for `count`: nothing for 0, the number up to 99, then "99+".
pub fn badge_text(count: u64) -> String {
    match count {
        0 => String::new(),
        1..=99 => count.to_string(),
        _ => "99+".into(),
    }
}

const BADGE_RED: [u8; 4] = [0xe0, 0x2d, 0x2d, 0xff];
const WHITE: [u8; 4] = [0xff, 0xff, 0xff, 0xff];

/// Returns a copy of the `width` x `height` RGBA `icon` with the count drawn on it; with a
/// count of 0 the icon is returned unchanged.
pub fn draw(icon: &[u8], width: u32, height: u32, count: u64) -> Vec<u8> {
    let mut out = icon.to_vec();
    let text = badge_text(count);
    if text.is_empty() || icon.len() != (width * height * 4) as usize || width < 16 || height < 16 {
        return out;
    }
    let (w, h) = (width as i64, height as i64);
    // The disc covers a bit more than the top-right quarter; glyphs are scaled to fit it.
    let radius = (w.min(h) * 3 / 10).max(6);
    let (cx, cy) = (w - radius - 1, radius + 1);
    let mut put = |x: i64, y: i64, rgba: [u8; 4]| {
        if (0..w).contains(&x) && (0..h).contains(&y) {
            let i = ((y * w + x) * 4) as usize;
            out[i..i + 4].copy_from_slice(&rgba);
        }
    };
    for y in cy - radius..=cy + radius {
        for x in cx - radius..=cx + radius {
            let (dx, dy) = (x - cx, y - cy);
            if dx * dx + dy * dy <= radius * radius {
                put(x, y, BADGE_RED);
            }
        }
    }
    let chars: Vec<[u8; 5]> = text.chars().filter_map(glyph).collect();
    let n = chars.len() as i64;
    // Glyph cell 3 wide + 1 gap; pick the largest scale that fits inside the disc.
    let text_w_units = n * 4 - 1;
    let scale = ((radius * 2 - 2) / text_w_units).clamp(1, (radius * 2 - 2) / 5);
    let (tw, th) = (text_w_units * scale, 5 * scale);
    let (ox, oy) = (cx - tw / 2, cy - th / 2);
    for (k, rows) in chars.iter().enumerate() {
        for (ry, row) in rows.iter().enumerate() {
            for rx in 0..3 {
                if row & (0b100 >> rx) != 0 {
                    let (gx, gy) = (ox + (k as i64 * 4 + rx) * scale, oy + ry as i64 * scale);
                    for sy in 0..scale {
                        for sx in 0..scale {
                            put(gx + sx, gy + sy, WHITE);
                        }
                    }
                }
            }
        }
    }
    out
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
    fn the_tray_adds_the_agents_unread_tickets() {
        let counts = [
            vc("mine", "Your inbox", 3),
            vc("unassigned", "Unassigned", 2),
            vc("tickets", "Tickets", 4),
        ];
        assert_eq!(
            tray_count(&counts),
            9,
            "a ticket waiting on the agent counts as a conversation does (issue 14)"
        );
        assert_eq!(
            tooltip(&counts),
            "Agentdesk: 9 unread (Your inbox 3, Unassigned 2, Tickets 4)"
        );
    }

    #[test]
    fn no_session_shows_the_plain_name() {
        assert_eq!(tooltip(&[]), "Agentdesk");
        assert_eq!(tray_count(&[]), 0);
    }

    fn blank(size: u32) -> Vec<u8> {
        vec![0x30; (size * size * 4) as usize]
    }

    fn pixel(img: &[u8], size: u32, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * size + x) * 4) as usize;
        [img[i], img[i + 1], img[i + 2], img[i + 3]]
    }

    #[test]
    fn text_caps_at_99_plus() {
        assert_eq!(badge_text(0), "", "no badge when nothing is unread");
        assert_eq!(badge_text(7), "7");
        assert_eq!(badge_text(99), "99");
        assert_eq!(badge_text(100), "99+", "the badge keeps its size past 99");
    }

    #[test]
    fn zero_leaves_the_icon_untouched() {
        let icon = blank(32);
        assert_eq!(
            draw(&icon, 32, 32, 0),
            icon,
            "an empty inbox shows the plain icon"
        );
    }

    #[test]
    fn a_count_draws_a_red_disc_with_white_digits_in_the_corner() {
        let icon = blank(64);
        let out = draw(&icon, 64, 64, 5);
        let red = out.chunks(4).filter(|p| *p == BADGE_RED).count();
        let white = out.chunks(4).filter(|p| *p == WHITE).count();
        assert!(
            red > 100,
            "the disc must be visible at tray size, got {red} red pixels"
        );
        assert!(
            white > 10,
            "the digit must be drawn, got {white} white pixels"
        );
        assert_eq!(
            pixel(&out, 64, 0, 63),
            [0x30; 4],
            "the bottom-left of the icon is not covered"
        );
    }

    #[test]
    fn different_counts_draw_different_pictures() {
        let icon = blank(32);
        let (a, b, c) = (
            draw(&icon, 32, 32, 1),
            draw(&icon, 32, 32, 8),
            draw(&icon, 32, 32, 150),
        );
        assert_ne!(a, b, "the number itself is visible, not just a dot");
        assert_ne!(b, c, "99+ differs from a single digit");
    }

    #[test]
    fn a_wrong_buffer_is_returned_as_is() {
        let icon = vec![1, 2, 3];
        assert_eq!(
            draw(&icon, 32, 32, 3),
            icon,
            "a mismatched buffer must not panic"
        );
    }
}
