//! The deterministic workspace generator: admins, teams, tags, contacts, conversations with
//! realistic histories, and data events, all derived from one seed and one anchor time.
//!
//! The same `(seed, sizes, epoch)` always yields the same workspace. Customer messages are
//! HTML with links, lists and remote images; a small, separate share (about 2%) carries
//! hostile markup (`<script>`, event handlers, `javascript:` links) so the app's sanitizer
//! has something to do.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map};

use crate::model::{
    Admin, AppliedTag, AssigneeKind, Author, Contact, ConvState, Conversation, DataEvent, Part,
    Rating, Source, Tag, Team,
};

/// First admin id; admins are numbered upwards from here.
pub(crate) const ADMIN_BASE: u64 = 4_100_001;
const TEAM_BASE: u64 = 5_200_001;
const TAG_BASE: u64 = 7_000_001;
/// First conversation id.
pub(crate) const CONVERSATION_BASE: u64 = 100_000_001;
const DAY: i64 = 86_400;

/// The generated workspace, before indexes are built.
pub(crate) struct Generated {
    pub admins: Vec<Admin>,
    pub teams: Vec<Team>,
    pub tags: Vec<Tag>,
    pub contacts: Vec<Contact>,
    pub conversations: Vec<Conversation>,
    pub events: Vec<Vec<DataEvent>>,
    pub next_part_id: u64,
    pub next_event_id: u64,
}

const FIRST_NAMES: &[&str] = &[
    "Ada", "Bram", "Chloé", "Dmitri", "Emeka", "Fatima", "Goran", "Hana", "Ines", "Jonas", "Kenji",
    "Leila", "Mateo", "Noor", "Olu", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor",
    "Wen", "Ximena", "Yusuf", "Zoë",
];
const LAST_NAMES: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "García",
    "Novak",
    "Haddad",
    "Kowalski",
    "Murphy",
    "Rossi",
    "Schmidt",
    "Ivanova",
    "Mensah",
    "Chen",
    "Patel",
    "Dubois",
    "O'Brien",
    "Silva",
];
const TEAM_NAMES: &[&str] = &[
    "Support",
    "Billing",
    "Technical",
    "Onboarding",
    "Enterprise",
    "Escalations",
    "Sales",
];
const TAG_NAMES: &[&str] = &[
    "bug",
    "billing",
    "vip",
    "feature-request",
    "refund",
    "onboarding",
    "churn-risk",
    "outage",
];
const JOB_TITLES: &[&str] = &[
    "Support Engineer",
    "Support Lead",
    "Success Manager",
    "Billing Specialist",
];
const TOPICS: &[(&str, &str)] = &[
    (
        "Can't log in",
        "I keep getting an error when I try to log in since this morning.",
    ),
    (
        "Invoice question",
        "My last invoice shows two charges for the same month.",
    ),
    (
        "Export to CSV",
        "Is there a way to export all my reports to CSV?",
    ),
    (
        "Sync is stuck",
        "The sync has been showing 'in progress' for hours now.",
    ),
    (
        "Refund request",
        "We were charged after cancelling. Could you refund that?",
    ),
    (
        "API rate limits",
        "Our integration hits 429 errors during the nightly import.",
    ),
    (
        "Add a teammate",
        "How do I invite a new teammate to our workspace?",
    ),
    (
        "Mobile app crash",
        "The iOS app crashes as soon as I open the settings screen.",
    ),
    (
        "Change plan",
        "We'd like to move from the Starter plan to Pro this month.",
    ),
    (
        "Password reset email",
        "The password reset email never arrives, I checked spam too.",
    ),
    (
        "Webhook failures",
        "Our webhook endpoint receives payloads with an invalid signature.",
    ),
    (
        "Data deletion",
        "Please delete all data related to our old project.",
    ),
];
const ADMIN_REPLIES: &[&str] = &[
    "<p>Thanks for reaching out! I'm looking into this now.</p>",
    "<p>Could you send me a screenshot of what you see? That will help us narrow it down.</p>",
    "<p>I've escalated this to our engineering team, we'll get back to you shortly.</p>",
    "<p>That should be fixed now. Could you try again and let me know?</p>",
    "<p>You can find the steps in <a href=\"https://docs.example.com/guide\">our guide</a>.</p>",
    "<p>I've issued the refund; it can take 5&ndash;10 business days to appear.</p>",
];
const CONTACT_FOLLOWUPS: &[&str] = &[
    "<p>Still not working for me, sorry.</p>",
    "<p>Thanks, that worked!</p>",
    "<p>Here is the screenshot: <img src=\"http://images.example.net/shot-{n}.png\" alt=\"screenshot\"></p>",
    "<p>Any update on this?</p>",
    "<p>I tried the following:</p><ol><li>Logged out</li><li>Cleared the cache</li><li>Logged in again</li></ol>",
    "<p>Great, thank you so much &#128578;</p>",
];
const NOTES: &[&str] = &[
    "<p>Customer is on the legacy plan, check with billing before refunding.</p>",
    "<p>Known issue, tracked in <a href=\"https://tracker.example.com/issues/{n}\">ENG-{n}</a>.</p>",
    "<p>VIP account &mdash; please prioritise.</p>",
];
const HOSTILE: &[&str] = &[
    "<p>Hello</p><script>alert(document.cookie)</script>",
    "<p>See <a href=\"javascript:alert(1)\">this link</a></p>",
    "<img src=\"http://tracker.example.org/pixel.gif\" onerror=\"alert(1)\"><p>pic attached</p>",
    "<iframe src=\"http://evil.example.org/\"></iframe><p>Can you check this page?</p>",
    "<style>body{display:none}</style><p>My screen goes blank</p>",
    "<p onclick=\"steal()\">Click me</p><object data=\"http://evil.example.org/x.swf\"></object>",
];
const EVENT_NAMES: &[&str] = &[
    "signed-in",
    "viewed-invoice",
    "upgraded-plan",
    "exported-report",
    "invited-teammate",
    "created-project",
    "connected-integration",
];
const COUNTRIES: &[(&str, &str)] = &[
    ("Germany", "Berlin"),
    ("France", "Paris"),
    ("United States", "Austin"),
    ("Japan", "Osaka"),
    ("Brazil", "Recife"),
    ("Nigeria", "Lagos"),
    ("India", "Pune"),
    ("Ireland", "Dublin"),
];

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    // `items` are non-empty constant tables or checked sizes.
    &items[rng.gen_range(0..items.len())]
}

fn hex_id(rng: &mut ChaCha8Rng) -> String {
    format!("{:08x}{:016x}", rng.gen::<u32>(), rng.gen::<u64>())
}

/// Sizes and anchor for one generated workspace.
pub(crate) struct Sizes {
    pub seed: u64,
    pub conversations: usize,
    pub contacts: usize,
    pub admins: usize,
    pub teams: usize,
    pub epoch: i64,
    /// Tickets generated (see the tickets module), apart from everything else.
    pub tickets: usize,
}

/// Generates a workspace. Pure: the result depends only on `sizes`.
pub(crate) fn generate(sizes: &Sizes) -> Generated {
    let mut rng = ChaCha8Rng::seed_from_u64(sizes.seed);
    let epoch = sizes.epoch;
    let n_admins = sizes.admins.max(1);
    let n_teams = sizes.teams.max(1).min(TEAM_NAMES.len());

    let mut teams: Vec<Team> = (0..n_teams)
        .map(|i| Team {
            id: TEAM_BASE + i as u64,
            name: TEAM_NAMES[i].to_string(),
            admin_ids: Vec::new(),
            distribution_method: if i % 2 == 0 {
                "round_robin"
            } else {
                "balanced"
            },
        })
        .collect();
    let admins: Vec<Admin> = (0..n_admins)
        .map(|i| {
            let first = FIRST_NAMES[i % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i * 7) % LAST_NAMES.len()];
            let id = ADMIN_BASE + i as u64;
            let mut team_ids = vec![teams[i % n_teams].id];
            if i % 3 == 0 && n_teams > 1 {
                team_ids.push(teams[(i + 1) % n_teams].id);
            }
            for t in &team_ids {
                if let Some(team) = teams.iter_mut().find(|x| x.id == *t) {
                    team.admin_ids.push(id);
                }
            }
            Admin {
                id,
                name: format!("{first} {last}"),
                email: format!("{}.{}@agentdesk-demo.example", first.to_lowercase(), i),
                job_title: JOB_TITLES[i % JOB_TITLES.len()].to_string(),
                // The token owner (first admin) is never away; about one in five others is.
                away: i != 0 && rng.gen_bool(0.2),
                team_ids,
                avatar: if i % 2 == 0 {
                    Some(format!("https://static.example.com/avatars/{id}.png"))
                } else {
                    None
                },
            }
        })
        .collect();
    let tags: Vec<Tag> = TAG_NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| Tag {
            id: TAG_BASE + i as u64,
            name,
        })
        .collect();

    let n_contacts = sizes.contacts.max(1);
    let n_companies = (n_contacts / 10).max(1);
    let companies: Vec<String> = (0..n_companies).map(|_| hex_id(&mut rng)).collect();
    let mut contacts: Vec<Contact> = (0..n_contacts)
        .map(|i| {
            let is_user = rng.gen_bool(0.75);
            let first = *pick(&mut rng, FIRST_NAMES);
            let last = *pick(&mut rng, LAST_NAMES);
            let created_at = epoch - rng.gen_range(200 * DAY..800 * DAY);
            let (country, city) = *pick(&mut rng, COUNTRIES);
            let mut custom = Map::new();
            custom.insert(
                "plan".into(),
                json!(*pick(&mut rng, &["starter", "pro", "enterprise"])),
            );
            custom.insert("seats".into(), json!(rng.gen_range(1..200)));
            Contact {
                id: hex_id(&mut rng),
                external_id: is_user.then(|| format!("usr_{:06}", i + 1)),
                role: if is_user { "user" } else { "lead" },
                email: format!(
                    "{}.{}{}@customer{}.example",
                    first.to_lowercase().replace(['é', 'ë', 'ö'], "e"),
                    last.to_lowercase().replace(['\'', 'í', 'á'], ""),
                    i,
                    i % 97
                ),
                phone: rng
                    .gen_bool(0.3)
                    .then(|| format!("+49 30 {:07}", rng.gen_range(0..10_000_000))),
                name: (is_user || rng.gen_bool(0.5)).then(|| format!("{first} {last}")),
                owner_id: rng
                    .gen_bool(0.2)
                    .then(|| ADMIN_BASE + rng.gen_range(0..n_admins) as u64),
                created_at,
                updated_at: created_at,
                signed_up_at: is_user.then_some(created_at),
                last_seen_at: Some(epoch - rng.gen_range(0..60 * DAY)),
                last_replied_at: None,
                browser: Some(*pick(&mut rng, &["chrome", "firefox", "safari", "edge"])),
                os: Some(*pick(
                    &mut rng,
                    &["OS X 14.4", "Windows 11", "Linux", "iOS 17.4"],
                )),
                custom_attributes: custom,
                company_ids: if rng.gen_bool(0.6) {
                    vec![pick(&mut rng, &companies).clone()]
                } else {
                    Vec::new()
                },
                tag_ids: if rng.gen_bool(0.1) {
                    vec![rng.gen_range(0..tags.len())]
                } else {
                    Vec::new()
                },
                country: country.to_string(),
                region: None,
                city: city.to_string(),
            }
        })
        .collect();

    let mut next_part_id: u64 = 1;
    let mut conversations = Vec::with_capacity(sizes.conversations);
    for i in 0..sizes.conversations {
        let contact = rng.gen_range(0..n_contacts);
        let conv = generate_conversation(
            &mut rng,
            CONVERSATION_BASE + i as u64,
            contact,
            &admins,
            &teams,
            &tags,
            epoch,
            &mut next_part_id,
        );
        let c = &mut contacts[contact];
        c.last_replied_at = c.last_replied_at.max(Some(conv.created_at));
        c.updated_at = c.updated_at.max(conv.created_at);
        conversations.push(conv);
    }

    let mut next_event_id: u64 = 1;
    let events = (0..n_contacts)
        .map(|_| {
            let n = rng.gen_range(0..10);
            let mut times: Vec<i64> = (0..n)
                .map(|_| epoch - rng.gen_range(60..150 * DAY))
                .collect();
            times.sort_unstable();
            times
                .into_iter()
                .enumerate()
                .map(|(k, t)| {
                    let name = *pick(&mut rng, EVENT_NAMES);
                    let mut metadata = Map::new();
                    metadata.insert(
                        "source".into(),
                        json!(*pick(&mut rng, &["web", "ios", "android", "api"])),
                    );
                    if rng.gen_bool(0.5) {
                        metadata.insert(
                            "plan".into(),
                            json!(*pick(&mut rng, &["starter", "pro", "enterprise"])),
                        );
                    }
                    if rng.gen_bool(0.3) {
                        metadata.insert(
                            "invoice_url".into(),
                            json!(format!(
                                "https://billing.example.com/inv/{}",
                                rng.gen_range(1000..9999)
                            )),
                        );
                    }
                    let id = next_event_id;
                    next_event_id += 1;
                    DataEvent {
                        id,
                        event_name: name.to_string(),
                        created_at: t,
                        order_ms: t * 1000 + k as i64,
                        metadata,
                    }
                })
                .collect()
        })
        .collect();

    Generated {
        admins,
        teams,
        tags,
        contacts,
        conversations,
        events,
        next_part_id,
        next_event_id,
    }
}

/// The body of a customer's first message: mostly ordinary HTML, rarely hostile.
fn customer_body(rng: &mut ChaCha8Rng, text: &str, n: u64) -> String {
    if rng.gen_bool(0.02) {
        return format!("{}<p>{text}</p>", pick(rng, HOSTILE));
    }
    match rng.gen_range(0..5) {
        0 => format!("<p>{text}</p>"),
        1 => format!(
            "<p>{text}</p><p>Here's what I see: <img src=\"http://images.example.net/upload-{n}.png\" alt=\"screenshot\"></p>"
        ),
        2 => format!(
            "<p>Hi,</p><p>{text}</p><ul><li>Browser: Firefox 124</li><li>Account: #{n}</li></ul><p>Thanks!</p>"
        ),
        3 => format!(
            "<p>{text} More details at <a href=\"https://status.example.com/incidents/{n}\">the status page</a>.</p>"
        ),
        _ => format!("<p><b>Urgent:</b> {text}</p><br><p>Sent from my phone</p>"),
    }
}

#[allow(clippy::too_many_arguments)]
fn generate_conversation(
    rng: &mut ChaCha8Rng,
    id: u64,
    contact: usize,
    admins: &[Admin],
    teams: &[Team],
    tags: &[Tag],
    epoch: i64,
    next_part_id: &mut u64,
) -> Conversation {
    let created_at = epoch - rng.gen_range(DAY / 24..130 * DAY);
    let (subject, text) = *pick(rng, TOPICS);
    let body = customer_body(rng, text, id);
    let mut conv = Conversation {
        id,
        title: rng.gen_bool(0.3).then(|| subject.to_string()),
        created_at,
        updated_at: created_at,
        waiting_since: Some(created_at),
        snoozed_until: None,
        state: ConvState::Open,
        read: false,
        priority: rng.gen_bool(0.08),
        admin_assignee_id: None,
        team_assignee_id: None,
        tags: Vec::new(),
        contacts: vec![contact],
        source: Source {
            id: id + 900_000_000,
            kind: if rng.gen_bool(0.8) {
                "conversation"
            } else {
                "email"
            },
            delivered_as: "customer_initiated",
            subject: String::new(),
            body,
            author: Author::Contact(contact),
            url: None,
        },
        teammates: Vec::new(),
        custom_attributes: Map::new(),
        company_id: None,
        rating: None,
        parts: Vec::new(),
        count_reopens: 0,
        count_assignments: 0,
    };
    if conv.source.kind == "email" {
        conv.source.subject = subject.to_string();
    }
    conv.custom_attributes.insert(
        "Channel".into(),
        json!(*pick(rng, &["web", "email", "ios"])),
    );
    if rng.gen_bool(0.4) {
        conv.custom_attributes
            .insert("Order value".into(), json!(rng.gen_range(10..2000)));
    }

    // The final outcome drives the history: most closed, some open, a few snoozed.
    let outcome = rng.gen_range(0..100);
    let mut t = created_at;
    let limit = epoch - 30;
    let step = |rng: &mut ChaCha8Rng, t: &mut i64| {
        *t = (*t + rng.gen_range(60..(DAY / 2))).min(limit);
        *t
    };
    let admin = pick(rng, admins).id;
    let team = pick(rng, teams).id;
    let mut push = |conv: &mut Conversation,
                    part_type: &'static str,
                    body: Option<String>,
                    at: i64,
                    author: Author,
                    assigned: Option<(AssigneeKind, u64)>| {
        let pid = *next_part_id;
        *next_part_id += 1;
        conv.parts.push(Part {
            id: pid,
            part_type,
            body,
            created_at: at,
            author,
            assigned_to: assigned,
            state: conv.state,
        });
        conv.updated_at = conv.updated_at.max(at);
        if let Author::Admin(a) = author {
            if !conv.teammates.contains(&a) {
                conv.teammates.push(a);
            }
        }
    };

    let unassigned = outcome >= 75 && rng.gen_bool(0.35);
    if !unassigned {
        let at = step(rng, &mut t);
        conv.team_assignee_id = Some(team);
        conv.count_assignments += 1;
        push(
            &mut conv,
            "assignment",
            None,
            at,
            Author::Bot,
            Some((AssigneeKind::Team, team)),
        );
        if rng.gen_bool(0.85) {
            let at = step(rng, &mut t);
            conv.admin_assignee_id = Some(admin);
            conv.count_assignments += 1;
            push(
                &mut conv,
                "assignment",
                None,
                at,
                Author::Admin(admin),
                Some((AssigneeKind::Admin, admin)),
            );
        }
    }
    let exchanges = rng.gen_range(0..4);
    for k in 0..exchanges {
        if rng.gen_bool(0.2) {
            let at = step(rng, &mut t);
            let note = pick(rng, NOTES).replace("{n}", &(id % 9000 + 100).to_string());
            push(
                &mut conv,
                "note",
                Some(note),
                at,
                Author::Admin(admin),
                None,
            );
        }
        if unassigned && k == 0 {
            break;
        }
        let at = step(rng, &mut t);
        push(
            &mut conv,
            "comment",
            Some(pick(rng, ADMIN_REPLIES).to_string()),
            at,
            Author::Admin(admin),
            None,
        );
        conv.waiting_since = None;
        conv.read = true;
        if k + 1 < exchanges || outcome >= 75 {
            let at = step(rng, &mut t);
            let reply = pick(rng, CONTACT_FOLLOWUPS).replace("{n}", &id.to_string());
            push(
                &mut conv,
                "comment",
                Some(reply),
                at,
                Author::Contact(contact),
                None,
            );
            conv.waiting_since = conv.waiting_since.or(Some(at));
            conv.read = false;
        }
    }
    if rng.gen_bool(0.15) {
        let tag = rng.gen_range(0..tags.len());
        conv.tags.push(AppliedTag {
            tag,
            applied_at: step(rng, &mut t),
            applied_by: admin,
        });
    }
    if outcome < 75 {
        // Closed; some were snoozed on the way and reopened by the timer.
        if rng.gen_bool(0.1) {
            let at = step(rng, &mut t);
            let until = (at + DAY).min(limit).max(at);
            conv.state = ConvState::Snoozed;
            push(&mut conv, "snoozed", None, at, Author::Admin(admin), None);
            conv.state = ConvState::Open;
            conv.count_reopens += 1;
            push(&mut conv, "timer_unsnooze", None, until, Author::Bot, None);
            t = t.max(until);
        }
        let at = step(rng, &mut t);
        push(&mut conv, "close", None, at, Author::Admin(admin), None);
        conv.state = ConvState::Closed;
        if let Some(last) = conv.parts.last_mut() {
            last.state = ConvState::Closed;
        }
        if rng.gen_bool(0.3) {
            let remark = *pick(
                rng,
                &["Quick and helpful", "Took a while", "Great support!", ""],
            );
            conv.rating = Some(Rating {
                rating: rng.gen_range(1..=5),
                remark: remark.to_string(),
                created_at: (at + 600).min(limit),
                teammate: admin,
            });
        }
        if rng.gen_bool(0.5) {
            conv.read = true;
        }
    } else if outcome < 88 || unassigned {
        conv.state = ConvState::Open;
    } else {
        let at = step(rng, &mut t);
        conv.state = ConvState::Snoozed;
        conv.snoozed_until = Some(epoch + rng.gen_range(DAY / 4..5 * DAY));
        push(&mut conv, "snoozed", None, at, Author::Admin(admin), None);
        if let Some(last) = conv.parts.last_mut() {
            last.state = ConvState::Snoozed;
        }
    }
    conv
}

/// Generates one new inbound conversation for live activity and the control API.
pub(crate) fn customer_message(rng: &mut ChaCha8Rng, n: u64) -> (String, String) {
    let (subject, text) = *pick(rng, TOPICS);
    (subject.to_string(), customer_body(rng, text, n))
}

/// A short follow-up from a contact, for live activity.
pub(crate) fn contact_followup(rng: &mut ChaCha8Rng, n: u64) -> String {
    pick(rng, CONTACT_FOLLOWUPS).replace("{n}", &n.to_string())
}
