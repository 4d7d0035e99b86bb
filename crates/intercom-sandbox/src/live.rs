//! Live activity: new conversations and contact replies arrive over time, and other
//! teammates assign and close, so counts and notifications move in the demo and in tests.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::generate;
use crate::model::{AssigneeKind, ConvState};
use crate::server::{unix_now, Shared};
use crate::state::Manage;

/// Spawns the activity loop: `per_minute` events on average until `stop` turns true.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    per_minute: f64,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let period = Duration::from_secs_f64((60.0 / per_minute).clamp(0.01, 3600.0));
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        ticker.tick().await;
        loop {
            tokio::select! {
                _ = ticker.tick() => step(&shared),
                _ = stop.wait_for(|s| *s) => break,
            }
        }
    })
}

/// One random piece of activity.
fn step(shared: &Shared) {
    let mut guard = shared.lock();
    let st = &mut *guard;
    let now = unix_now();
    st.expire_snoozes(now);
    if st.conversations.is_empty() || st.contacts.is_empty() {
        return;
    }
    let roll = st.rng.gen_range(0..100);
    // One step in five is about tickets.
    if roll % 5 == 4 {
        crate::tickets::hooks::live_step(st, now);
        return;
    }
    let open: Vec<usize> = st
        .by_updated
        .iter()
        .rev()
        .take(200)
        .filter_map(|(_, id)| st.conv_by_id.get(id).copied())
        .filter(|&i| st.conversations[i].state == ConvState::Open)
        .collect();
    let actor = st.admins.get(1).or(st.admins.first()).map_or(0, |a| a.id);
    match roll {
        0..=29 => {
            let pick = st.rng.gen_range(0..st.contacts.len());
            // A merged or deleted contact starts nothing; one still there does.
            let Some(contact) = st.live_contact(pick) else {
                return;
            };
            let n = st.conversations.len() as u64;
            let (subject, body) = generate::customer_message(&mut st.rng, n);
            st.new_conversation(contact, subject, body, now);
        }
        30..=69 => {
            let idx = st.rng.gen_range(0..st.conversations.len().min(500));
            let idx = st
                .by_updated
                .iter()
                .rev()
                .nth(idx)
                .and_then(|(_, id)| st.conv_by_id.get(id).copied());
            if let Some(idx) = idx {
                let body = generate::contact_followup(&mut st.rng, idx as u64);
                st.contact_reply(idx, None, body, now);
            }
        }
        70..=84 if !open.is_empty() => {
            let idx = open[st.rng.gen_range(0..open.len())];
            let pick = st.rng.gen_range(0..st.admins.len());
            let admin = st.admins[pick].id;
            st.manage(
                idx,
                actor,
                Manage::Assign {
                    kind: AssigneeKind::Admin,
                    assignee: admin,
                    body: None,
                },
                now,
            );
        }
        _ if !open.is_empty() => {
            let idx = open[st.rng.gen_range(0..open.len())];
            st.manage(idx, actor, Manage::Close { body: None }, now);
        }
        _ => {}
    }
}
