//! Fuzzes the notification text builder (`agentdesk_app::notify::coalesce`, then the body as a
//! markup-reading server receives it): any names and messages give a short notification with
//! no control character, and the escaped body holds no tag and reads back as the plain body.
//! Input: fields separated by 0x1F, three per message (conversation, name, text); the first
//! byte's low bit hides message text. The stable variant is in
//! `tests/reliability/tests/fuzz.rs`.
#![no_main]

use agentdesk_app::notify::{body_for_server, coalesce, NewMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let hide_text = flags & 1 == 1;
    let input = String::from_utf8_lossy(rest);
    let fields: Vec<&str> = input.split('\u{1f}').collect();
    let messages: Vec<NewMessage> = fields
        .chunks(3)
        .map(|m| NewMessage {
            conversation_id: m[0].to_string(),
            contact_name: m.get(1).copied().unwrap_or_default().to_string(),
            text: m.get(2).copied().unwrap_or_default().to_string(),
        })
        .collect();
    let batch = coalesce(&messages, hide_text).expect("a message gives a notification");
    assert!(
        !batch
            .summary
            .chars()
            .chain(batch.body.chars())
            .any(char::is_control),
        "no control character reaches the server: {batch:?}"
    );
    assert!(
        batch.summary.chars().count() <= 100 && batch.body.chars().count() <= 200,
        "a notification stays short: {batch:?}"
    );
    let escaped = body_for_server(&batch, true);
    assert!(
        !escaped.contains('<') && !escaped.contains('>'),
        "the escaped body holds no tag: {escaped:?}"
    );
    let unescaped = escaped
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert_eq!(unescaped, batch.body, "the server shows the body as it is");
    assert_eq!(
        body_for_server(&batch, false),
        batch.body,
        "plain servers get plain text"
    );
});
