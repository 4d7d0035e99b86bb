//! Fuzzes the decoders the client applies to every Intercom answer: any bytes must decode or
//! give an `ApiError`, never panic, hang or blow the stack. The first byte picks the model.
#![no_main]

use intercom::models;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let e = "fuzz";
    match which % 10 {
        0 => drop(intercom::decode_json::<models::ConversationList>(e, body)),
        1 => drop(intercom::decode_json::<models::Conversation>(e, body)),
        2 => drop(intercom::decode_json::<models::ContactList>(e, body)),
        3 => drop(intercom::decode_json::<models::Contact>(e, body)),
        4 => drop(intercom::decode_json::<models::EventList>(e, body)),
        5 => drop(intercom::decode_json::<models::EventSummaryList>(e, body)),
        6 => drop(intercom::decode_json::<models::AdminList>(e, body)),
        7 => drop(intercom::decode_json::<models::TeamList>(e, body)),
        8 => drop(intercom::decode_json::<models::Admin>(e, body)),
        _ => drop(intercom::decode_json::<models::ErrorList>(e, body)),
    }
});
