// A fake Agentdesk backend for the Chromium tests: an in-memory workspace of a few hundred
// conversations with views, counts that move, an outbox and an offline mode, tickets with
// their types, tags, priority, attributes and SLAs (issue 14), answering the commands of
// docs/IPC.md (including its errors: `invalid_input` naming an attribute, `not_found` for a
// tag gone from the cache). It is injected into the page as a plain script (no imports, no
// closures over test code) and installs `window.__fake`; harness.ts routes mockIPC to it.
// Tests read `__fake.calls` and change `__fake.db` through `page.evaluate`; for bulk actions
// (issue 22) they make some conversations' writes fail (`failIds`) and hold commands until
// they `release` them, to watch a run mid-way without waiting on time.
(function installFakeBackend() {
  const options = window.__fakeOptions || {};
  const NOW = options.now || Math.floor(Date.now() / 1000);

  // A small deterministic PRNG so every run shows the same workspace.
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = (list) => list[Math.floor(rand() * list.length)];

  const admins = [
    { id: "a1", name: "Dana Agent", email: "dana@example.com", away: false },
    { id: "a2", name: "Sam Support", email: "sam@example.com", away: false },
    { id: "a3", name: "Lee Lead", email: "lee@example.com", away: true },
  ];
  const teams = [
    { id: "t1", name: "Billing" },
    { id: "t2", name: "Technical" },
  ];
  const first = ["Ava", "Ben", "Chloe", "Dev", "Emma", "Finn", "Grace", "Hugo", "Iris", "Jon", "Kira", "Liam"];
  const last = ["Novak", "Okafor", "Park", "Quinn", "Rossi", "Silva", "Tanaka", "Ueda", "Vega", "Wolf"];
  const topics = [
    ["Refund for order", "I was charged twice for my last order, can I get a refund?"],
    ["Cannot log in", "The password reset email never arrives."],
    ["Invoice address", "Please change the billing address on my invoice."],
    ["Export to CSV", "Is there a way to export all my data to CSV?"],
    ["App crashes on start", "Since the update the app crashes right after the splash screen."],
    ["Upgrade plan", "We would like to move to the Pro plan for 12 seats."],
  ];

  const contacts = [];
  for (let i = 0; i < 60; i++) {
    const name = `${first[i % first.length]} ${last[Math.floor(i / first.length) % last.length]}`;
    contacts.push({
      id: `u${i + 1}`,
      name,
      email: `${name.toLowerCase().replace(" ", ".")}@customer.test`,
      company: pick(["Acme Ltd", "Globex", "Initech", "Umbrella"]),
      location: pick(["Berlin, DE", "Austin, US", "Sydney, AU", "Lyon, FR"]),
      customAttributes: [
        { key: "plan", value: pick(["free", "pro", "enterprise"]) },
        { key: "seats", value: String(1 + Math.floor(rand() * 40)) },
      ],
      events: [
        { name: "logged-in", createdAt: NOW - 3600, metadata: [] },
        { name: "viewed-pricing", createdAt: NOW - 86_400, metadata: [{ key: "page", value: "/pricing" }] },
      ],
    });
  }

  // Issue 14: tags, ticket types with their attributes, conversation attributes, SLAs.
  const tags = [
    { id: "g1", name: "VIP" },
    { id: "g2", name: "Bug" },
    { id: "g3", name: "Refund" },
    { id: "g4", name: "Feature request" },
    { id: "g5", name: "Churn risk" },
    { id: "g6", name: "Onboarding" },
  ];
  const attr = (name, label, dataType, extra = {}) => ({ name, label, dataType, value: null, options: null, required: false, editable: true, ...extra });
  const conversationAttributeDefs = [
    attr("issue_type", "Issue type", "list", { options: ["Billing", "Technical", "Account", "Other"], required: true }),
    attr("order_number", "Order number", "string"),
    attr("seats", "Seats", "integer"),
    attr("refund_amount", "Refund amount", "float"),
    attr("vip", "VIP", "boolean"),
    attr("follow_up_at", "Follow up at", "datetime"),
    attr("source", "Source", "string", { editable: false }),
  ];
  const ticketTypes = [
    {
      id: "tt1",
      name: "Bug report",
      attributes: [
        attr("_default_title_", "Title", "string", { required: true }),
        attr("severity", "Severity", "list", { options: ["Low", "Medium", "High", "Critical"], required: true }),
        attr("affected_users", "Affected users", "integer"),
        attr("browser", "Browser", "string"),
        attr("reproducible", "Reproducible", "boolean"),
      ],
    },
    {
      id: "tt2",
      name: "Billing request",
      attributes: [
        attr("_default_title_", "Title", "string", { required: true }),
        attr("amount", "Amount", "float", { required: true }),
        attr("approved", "Refund approved", "boolean"),
        attr("due_date", "Due date", "datetime"),
      ],
    },
    { id: "tt3", name: "Old type", archived: true, attributes: [] },
  ];

  const conversations = [];
  const count = options.conversations ?? 300;
  for (let i = 0; i < count; i++) {
    const contact = contacts[i % contacts.length];
    const [subject, body] = topics[i % topics.length];
    const r = rand();
    const state = i % 10 === 8 ? "closed" : i % 10 === 9 ? "snoozed" : "open";
    const assignee = r < 0.3 ? { admin: "a1", team: null } : r < 0.5 ? { admin: null, team: null } : r < 0.75 ? { admin: "a2", team: "t1" } : { admin: null, team: "t2" };
    const at = NOW - i * 600 - 30;
    conversations.push({
      id: `c${i + 1}`,
      contactId: contact.id,
      contactName: contact.name,
      subject: `${subject} #${i + 1}`,
      snippet: body,
      lastActivityAt: at,
      adminAssigneeId: assignee.admin,
      teamAssigneeId: assignee.team,
      unread: i % 3 === 0,
      state,
      snoozedUntil: state === "snoozed" ? NOW + 86_400 : null,
      remoteImagesBlocked: false,
      pending: [],
      priority: i % 7 === 3,
      tags: i % 4 === 1 ? [tags[i % tags.length]] : i % 4 === 2 ? [tags[0], tags[(i + 1) % tags.length]] : [],
      sla:
        i % 5 === 0
          ? { name: "First response", status: "active", dueAt: NOW + (i % 2 ? -1 : 1) * (5 + i) * 60 }
          : i % 5 === 1
            ? { name: "Next response", status: i % 2 ? "missed" : "hit", dueAt: NOW - 3600 }
            : null,
      attributes: conversationAttributeDefs.map((a) => ({
        ...a,
        value: { issue_type: topics[i % topics.length][0].startsWith("Refund") || topics[i % topics.length][0].startsWith("Invoice") ? "Billing" : "Technical", order_number: `ORD-${1000 + i}`, seats: 1 + (i % 20), refund_amount: null, vip: i % 4 === 2, follow_up_at: null, source: "Messenger" }[a.name],
      })),
      parts: [
        { id: `p${i}-1`, kind: "message", authorKind: "contact", authorName: contact.name, createdAt: at - 3000, bodyHtml: `<p>${body}</p>`, eventText: null, attachments: [], redacted: false },
        { id: `p${i}-2`, kind: "event", authorKind: "admin", authorName: "Dana Agent", createdAt: at - 2000, bodyHtml: "", eventText: "Dana Agent assigned this to Billing", attachments: [], redacted: false },
        { id: `p${i}-3`, kind: "message", authorKind: "admin", authorName: "Dana Agent", createdAt: at - 1000, bodyHtml: "<p>Thanks for reaching out, I am looking into it.</p>", eventText: null, attachments: [], redacted: false },
        { id: `p${i}-4`, kind: "message", authorKind: "contact", authorName: contact.name, createdAt: at, bodyHtml: `<p>Any news on this? ${body}</p>`, eventText: null, attachments: i % 4 === 0 ? [{ name: "screenshot.png", url: "https://files.example/screenshot.png", sizeBytes: 245_760, contentType: "image/png" }] : [], redacted: false },
      ],
    });
  }

  const ticketStates = ["submitted", "in_progress", "waiting_on_customer", "resolved"];
  const ticketTitles = ["Export fails with 500", "Refund for duplicate charge", "Dark mode colours wrong", "Invoice missing VAT number", "Sync stuck at 99%", "Upgrade charged twice"];
  const tickets = [];
  const ticketCount = options.tickets ?? 40;
  for (let i = 0; i < ticketCount; i++) {
    const contact = contacts[(i * 7) % contacts.length];
    const type = ticketTypes[i % 2];
    const at = NOW - i * 900 - 45;
    const title = `${ticketTitles[i % ticketTitles.length]}`;
    const values = type.id === "tt1"
      ? { _default_title_: title, severity: ["Low", "Medium", "High", "Critical"][i % 4], affected_users: 1 + i * 3, browser: i % 2 ? "Firefox 140" : null, reproducible: i % 3 === 0 }
      : { _default_title_: title, amount: 19.99 + i, approved: i % 3 === 0, due_date: NOW + 86_400 * (1 + (i % 5)) };
    tickets.push({
      isTicket: true,
      id: `tk${i + 1}`,
      number: String(1000 + i),
      title,
      ticketTypeId: type.id,
      ticketTypeName: type.name,
      state: ticketStates[i % 4],
      contactId: contact.id,
      contactName: contact.name,
      lastActivityAt: at,
      adminAssigneeId: i % 3 === 0 ? "a1" : i % 3 === 1 ? null : "a2",
      teamAssigneeId: i % 3 === 2 ? "t2" : null,
      unread: i % 3 !== 2,
      remoteImagesBlocked: false,
      pending: [],
      tags: i % 3 === 0 ? [tags[1]] : [],
      attributes: type.attributes.map((a) => ({ ...a, value: values[a.name] ?? null })),
      parts: [
        { id: `tp${i}-1`, kind: "message", authorKind: "contact", authorName: contact.name, createdAt: at - 4000, bodyHtml: `<p>${title}: it happens every time I try.</p>`, eventText: null, attachments: [], redacted: false },
        { id: `tp${i}-2`, kind: "state_change", authorKind: "admin", authorName: "Dana Agent", createdAt: at - 3000, bodyHtml: "", eventText: "Ticket moved to Submitted", attachments: [], redacted: false },
        { id: `tp${i}-3`, kind: "note", authorKind: "admin", authorName: "Sam Support", createdAt: at - 2000, bodyHtml: "<p>Reproduced on staging.</p>", eventText: null, attachments: [], redacted: false },
        { id: `tp${i}-4`, kind: "message", authorKind: "admin", authorName: "Dana Agent", createdAt: at, bodyHtml: "<p>Thanks, we are on it and will update this ticket.</p>", eventText: null, attachments: [], redacted: false },
      ],
    });
  }

  const db = {
    session: null,
    admins,
    teams,
    contacts,
    conversations,
    tickets,
    tags,
    ticketTypes,
    /** Drafts kept "in the cache", keyed `<workspaceId>/<id>` (issue 22). */
    drafts: new Map(Object.entries(options.drafts ?? {})),
    /** Attribute names whose every change the backend refuses with invalid_input (its own check). */
    attributeErrors: options.attributeErrors ?? {},
    online: options.online ?? true,
    status: {
      online: options.online ?? true,
      lastSyncAt: NOW - 120,
      offlineSince: options.online === false ? NOW - 900 : null,
      backfill: options.backfill ?? null,
      error: null,
      notificationsAvailable: true,
      notificationsProblem: null,
      tokenNotice: options.tokenNotice ?? null,
    },
    settings: {
      notifyViews: ["mine", "unassigned"],
      sound: true,
      hideMessageText: false,
      pollIntervalSecs: 30,
      startAtLogin: false,
      startHidden: false,
      closeToTray: true,
      doNotDisturb: false,
    },
    savedReplies: [
      { id: "s1", title: "Refund on its way", body: "I have issued the refund; it shows on your statement within 5 days." },
      { id: "s2", title: "Need more details", body: "Could you send a screenshot of what you see?" },
    ],
    workspaces: [],
    outbox: [],
    /** A view whose total is this large gets rows generated on the fly (list windowing tests). */
    hugeView: options.hugeView ?? 0,
    tokenErrors: options.tokenErrors ?? {},
    failSends: options.failSends ?? false,
    /** Conversation ids whose writes (close, snooze, assign, mark read) the backend refuses before queuing. */
    failIds: options.failIds ?? [],
    appInfo: { name: "Agentdesk", version: "0.1.0", dataDir: "/home/agent/.local/share/agentdesk", logDir: "/home/agent/.local/state/agentdesk/logs", trayTooltip: "Agentdesk: 5 unread (Your inbox 3, Unassigned 2)", lastCrash: options.lastCrash ?? null },
  };
  const calls = [];
  let nextId = 1;
  /** Commands that wait for the test (`release`) before they answer: a run can be watched mid-way. */
  let held = new Set(options.holdCommands ?? []);
  const waiting = [];

  const demoSession = () => ({ workspaceId: "demo", workspaceName: "Demo workspace", region: "us", adminId: "a1", adminName: "Dana Agent", demo: true, teams });
  if (options.session === "demo") {
    db.session = demoSession();
    db.workspaces = [{ id: "demo", name: "Demo workspace", region: "us", adminName: "Dana Agent", active: true, demo: true }];
  }

  const fail = (code, message) => {
    const e = { code, message };
    throw e;
  };
  const emit = (event, payload) => window.__agentdeskEmit && window.__agentdeskEmit(event, payload);
  const needSession = () => db.session || fail("no_session", "No workspace is connected.");
  const conv = (id) => db.conversations.find((c) => c.id === id) || fail("not_found", "That conversation is no longer in the cache.");
  /** A conversation to write to: refused (nothing queued, nothing changed) when the test named it in `failIds`. */
  const writable = (id) => {
    if (db.failIds.includes(id)) fail("invalid_input", `Intercom no longer accepts changes to ${id}: it was merged into another conversation.`);
    return conv(id);
  };
  const adminName = (id) => (admins.find((a) => a.id === id) || {}).name || null;

  const inView = (c, view) => {
    if (view === "mine") return c.state === "open" && c.adminAssigneeId === db.session.adminId;
    if (view === "unassigned") return c.state === "open" && !c.adminAssigneeId && !c.teamAssigneeId;
    if (view.startsWith("team:")) return c.state === "open" && c.teamAssigneeId === view.slice(5);
    if (view === "all_open") return c.state === "open";
    if (view === "snoozed") return c.state === "snoozed";
    if (view === "closed") return c.state === "closed";
    if (view.startsWith("tag:")) return c.state === "open" && c.tags.some((t) => t.id === view.slice(4));
    return false;
  };
  const viewIds = () => ["mine", "unassigned", ...teams.map((t) => `team:${t.id}`), "all_open", "snoozed", "closed"];
  const viewName = (id) =>
    ({ mine: "Your inbox", unassigned: "Unassigned", all_open: "All open", snoozed: "Snoozed", closed: "Closed" })[id] ||
    (teams.find((t) => `team:${t.id}` === id) || {}).name;
  const counts = () =>
    viewIds().map((id) => {
      const rows = db.conversations.filter((c) => inView(c, id));
      const base = { id, name: viewName(id), total: rows.length, unread: rows.filter((c) => c.unread).length };
      if (id === "all_open" && db.hugeView) return { ...base, total: db.hugeView, unread: db.hugeView / 2 };
      return base;
    }).concat([ticketCount_()]);
  // Open tickets; unread counts those assigned to the agent or unassigned (docs/IPC.md).
  function ticketCount_() {
    const open = db.tickets.filter((t) => t.state !== "resolved");
    const unread = open.filter((t) => t.unread && (t.adminAssigneeId === db.session.adminId || (!t.adminAssigneeId && !t.teamAssigneeId)));
    return { id: "tickets", name: "Tickets", total: open.length, unread: unread.length };
  }
  const toRow = (c) => ({
    id: c.id,
    contactName: c.contactName,
    subject: c.subject,
    snippet: c.snippet,
    lastActivityAt: c.lastActivityAt,
    assigneeName: adminName(c.adminAssigneeId) || (teams.find((t) => t.id === c.teamAssigneeId) || {}).name || null,
    unread: c.unread,
    pending: c.pending.some((p) => p.state === "pending" || p.state === "in_doubt"),
    failed: c.pending.some((p) => p.state === "failed"),
    state: c.state,
    priority: c.priority,
    tags: c.tags,
    sla: c.sla,
  });
  const ticketRow = (t) => ({
    id: t.id,
    number: t.number,
    title: t.title,
    ticketTypeId: t.ticketTypeId,
    ticketTypeName: t.ticketTypeName,
    state: t.state,
    contactName: t.contactName,
    lastActivityAt: t.lastActivityAt,
    assigneeName: adminName(t.adminAssigneeId) || (teams.find((x) => x.id === t.teamAssigneeId) || {}).name || null,
    unread: t.unread,
    pending: t.pending.some((p) => p.state === "pending" || p.state === "in_doubt"),
    failed: t.pending.some((p) => p.state === "failed"),
    tags: t.tags,
  });
  const ticketDetail = (t, loadImages) => ({
    id: t.id,
    number: t.number,
    title: t.title,
    ticketTypeId: t.ticketTypeId,
    ticketTypeName: t.ticketTypeName,
    state: t.state,
    adminAssigneeId: t.adminAssigneeId,
    teamAssigneeId: t.teamAssigneeId,
    contactId: t.contactId,
    contactName: t.contactName,
    attributes: t.attributes,
    parts: t.parts,
    pending: t.pending.filter((p) => p.state !== "sent"),
    tags: t.tags,
    remoteImagesBlocked: t.remoteImagesBlocked && !loadImages,
  });
  const ticket = (id) => db.tickets.find((t) => t.id === id) || fail("not_found", "That ticket is no longer in the cache.");
  const stateLabel = (s) => ({ submitted: "Submitted", in_progress: "In progress", waiting_on_customer: "Waiting on customer", resolved: "Resolved" })[s] || s;
  /** The backend's own check of an attribute change: the message names the attribute. */
  const checkAttributes = (defs, changes) => {
    for (const { name, value } of changes) {
      const a = defs.find((d) => d.name === name) || fail("invalid_input", `There is no attribute “${name}”; reload the conversation and try again.`);
      const label = a.label || a.name;
      if (!a.editable) fail("invalid_input", `${label} cannot be changed.`);
      if (db.attributeErrors[name]) fail("invalid_input", db.attributeErrors[name]);
      if (value === null || value === "") {
        if (a.required) fail("invalid_input", `${label} is required: give it a value.`);
        continue;
      }
      const ok = {
        string: typeof value === "string",
        integer: Number.isInteger(value),
        float: typeof value === "number" && Number.isFinite(value),
        boolean: typeof value === "boolean",
        datetime: Number.isInteger(value),
        list: typeof value === "string" && (a.options || []).includes(value),
      }[a.dataType];
      if (!ok) fail("invalid_input", `${label} takes a value of type ${a.dataType}; ${JSON.stringify(value)} is not one.`);
    }
  };
  const applyAttributes = (item, changes) => {
    for (const { name, value } of changes) {
      const a = item.attributes.find((d) => d.name === name);
      a.value = value === "" ? null : value;
      if (name === "_default_title_") item.title = value;
    }
  };
  const tagById = (tagId) => db.tags.find((t) => t.id === tagId) || fail("not_found", "That tag was deleted in Intercom; pick another one.");
  const taggable = (kind, id) => (kind === "ticket" ? ticket(id) : conv(id));
  const hugeRow = (i) => ({
    id: `h${i}`,
    contactName: `Customer ${i}`,
    subject: `Question number ${i}`,
    snippet: "Generated row for the windowing test.",
    lastActivityAt: NOW - i * 60,
    assigneeName: null,
    unread: i % 2 === 0,
    pending: false,
    failed: false,
    state: "open",
    priority: false,
    tags: [],
    sla: null,
  });
  const detail = (c, loadImages) => ({
    id: c.id,
    title: c.subject,
    state: c.state,
    snoozedUntil: c.snoozedUntil,
    adminAssigneeId: c.adminAssigneeId,
    teamAssigneeId: c.teamAssigneeId,
    contactId: c.contactId,
    contactName: c.contactName,
    parts: c.parts,
    pending: c.pending.filter((p) => p.state !== "sent"),
    remoteImagesBlocked: c.remoteImagesBlocked && !loadImages,
    priority: c.priority,
    tags: c.tags,
    sla: c.sla,
    attributes: c.attributes,
  });
  const changed = (c) => {
    emit("inbox://counts", counts());
    emit("inbox://changed", c.isTicket ? { conversationIds: [], ticketIds: [c.id] } : { conversationIds: [c.id] });
  };
  const outbox = (c, kind, summary, after) => {
    const item = { id: `o${nextId++}`, conversationId: c.id, kind, summary, state: "pending", error: null, createdAt: NOW };
    c.pending.push(item);
    db.outbox.push(item);
    const deliver = () => {
      if (!db.online) return;
      if (db.failSends) {
        item.state = "failed";
        item.error = "Intercom refused the reply (422): the conversation is closed for this contact.";
      } else {
        item.state = "sent";
        if (after) after();
      }
      changed(c);
    };
    // Queuing changes the row (pending marker), so the UI hears about it at once; the real
    // outbox delivers in the background, the fake does it on the next task.
    setTimeout(() => {
      changed(c);
      deliver();
    }, 0);
    item.deliver = deliver;
    return { ...item, deliver: undefined };
  };

  const handlers = {
    get_app_info: () => db.appInfo,
    mark_ready: () => null,
    take_pending_open: () => null,
    get_session: () => db.session,
    open_demo: () => {
      db.session = demoSession();
      db.workspaces = [{ id: "demo", name: "Demo workspace", region: "us", adminName: "Dana Agent", active: true, demo: true }];
      return db.session;
    },
    check_token: ({ token, region }) => {
      const err = db.tokenErrors[token];
      if (err) fail(err.code, err.message);
      if (!token.trim()) fail("invalid_input", "Paste an access token first.");
      return { workspaceId: "w9", workspaceName: "Acme Support", region, tokenAdminId: "a2", admins };
    },
    connect_workspace: ({ region, adminId }) => {
      db.session = { workspaceId: "w9", workspaceName: "Acme Support", region, adminId, adminName: adminName(adminId), demo: false, teams };
      db.workspaces.forEach((w) => (w.active = false));
      db.workspaces.push({ id: "w9", name: "Acme Support", region, adminName: adminName(adminId), active: true, demo: false });
      return db.session;
    },
    list_workspaces: () => db.workspaces,
    switch_workspace: ({ id }) => {
      db.workspaces.forEach((w) => (w.active = w.id === id));
      const w = db.workspaces.find((x) => x.id === id);
      db.session = { ...demoSession(), workspaceId: w.id, workspaceName: w.name, demo: w.demo };
      emit("session://changed", db.session);
      return db.session;
    },
    remove_workspace: ({ id }) => {
      db.workspaces = db.workspaces.filter((w) => w.id !== id);
      return null;
    },
    set_acting_admin: ({ adminId }) => {
      db.session = { ...needSession(), adminId, adminName: adminName(adminId) };
      return db.session;
    },
    logout: ({ force }) => {
      const waiting = db.outbox.filter((o) => o.state === "pending" || o.state === "failed").length;
      if (waiting && !force) fail("unsent_outbox", `${waiting} message${waiting === 1 ? "" : "s"} not sent yet. Log out anyway to discard ${waiting === 1 ? "it" : "them"}.`);
      db.session = null;
      db.outbox = [];
      db.drafts.clear();
      return null;
    },
    get_view_counts: () => (needSession(), counts()),
    list_conversations: ({ view, cursor, limit, sort }) => {
      needSession();
      const offset = cursor ? Number(cursor) : 0;
      if (view === "all_open" && db.hugeView) {
        const end = Math.min(db.hugeView, offset + limit);
        const rows = [];
        for (let i = offset; i < end; i++) rows.push(hugeRow(i));
        return { rows, nextCursor: end < db.hugeView ? String(end) : null };
      }
      const all = db.conversations
        .filter((c) => inView(c, view))
        .sort((a, b) => (sort === "priority_first" && a.priority !== b.priority ? (a.priority ? -1 : 1) : b.lastActivityAt - a.lastActivityAt));
      const rows = all.slice(offset, offset + limit).map(toRow);
      return { rows, nextCursor: offset + limit < all.length ? String(offset + limit) : null };
    },
    get_conversation: ({ id, loadImages }) => detail(conv(id), loadImages),
    set_open_conversation: ({ id }) => {
      db.openConversation = id;
      return null;
    },
    mark_read: ({ id }) => {
      const c = db.tickets.find((t) => t.id === id) || writable(id);
      if (c.unread) {
        c.unread = false;
        emit("inbox://counts", counts());
      }
      return null;
    },
    mark_unread: ({ id }) => {
      const c = db.tickets.find((t) => t.id === id) || conv(id);
      c.unread = true;
      changed(c);
      return null;
    },
    send_reply: ({ conversationId, body, kind }) => {
      const c = conv(conversationId);
      db.drafts.delete(`${needSession().workspaceId}/${conversationId}`);
      return outbox(c, kind === "note" ? "note" : "reply", body.slice(0, 60), () => {
        c.parts.push({ id: `p-new-${nextId++}`, kind: kind === "note" ? "note" : "message", authorKind: "admin", authorName: db.session.adminName, createdAt: NOW, bodyHtml: `<p>${body.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`)}</p>`, eventText: null, attachments: [], redacted: false });
      });
    },
    close_conversation: ({ id }) => {
      const c = writable(id);
      c.state = "closed";
      return outbox(c, "close", "Close", () => changed(c));
    },
    reopen_conversation: ({ id }) => {
      const c = conv(id);
      c.state = "open";
      return outbox(c, "reopen", "Reopen", () => changed(c));
    },
    snooze_conversation: ({ id, until }) => {
      const c = writable(id);
      c.state = "snoozed";
      c.snoozedUntil = until;
      return outbox(c, "snooze", "Snooze", () => changed(c));
    },
    assign_conversation: ({ id, assignee }) => {
      const c = writable(id);
      c.adminAssigneeId = assignee.kind === "admin" ? assignee.id : null;
      c.teamAssigneeId = assignee.kind === "team" ? assignee.id : null;
      return outbox(c, "assign", "Assign", () => changed(c));
    },
    retry_outbox: ({ id }) => {
      const item = db.outbox.find((o) => o.id === id);
      item.state = "pending";
      item.error = null;
      db.failSends = false;
      setTimeout(item.deliver, 0);
      return null;
    },
    discard_outbox: ({ id }) => {
      const item = db.outbox.find((o) => o.id === id);
      db.outbox = db.outbox.filter((o) => o !== item);
      const c = db.tickets.find((t) => t.id === item.conversationId) || conv(item.conversationId);
      c.pending = c.pending.filter((o) => o !== item);
      changed(c);
      return null;
    },
    list_tickets: ({ state, ticketTypeId, cursor, limit }) => {
      needSession();
      const offset = cursor ? Number(cursor) : 0;
      const all = db.tickets
        .filter((t) => (state ? t.state === state : t.state !== "resolved") && (!ticketTypeId || t.ticketTypeId === ticketTypeId))
        .sort((a, b) => b.lastActivityAt - a.lastActivityAt);
      return { rows: all.slice(offset, offset + limit).map(ticketRow), nextCursor: offset + limit < all.length ? String(offset + limit) : null };
    },
    get_ticket: ({ id, loadImages }) => ticketDetail(ticket(id), loadImages),
    list_ticket_types: () => db.ticketTypes.filter((t) => !t.archived).map((t) => ({ id: t.id, name: t.name, attributes: t.attributes })),
    update_ticket: ({ id, state, attributes }) => {
      const t = ticket(id);
      if (attributes) checkAttributes(t.attributes, attributes);
      if (state && !ticketStates.includes(state)) fail("invalid_input", `“${state}” is not a ticket state.`);
      // Applied to the cache at once, as the real outbox does; Intercom hears later.
      if (attributes) applyAttributes(t, attributes);
      if (state && state !== t.state) {
        t.state = state;
        t.parts.push({ id: `tp-state-${nextId++}`, kind: "state_change", authorKind: "admin", authorName: db.session.adminName, createdAt: NOW, bodyHtml: "", eventText: `Ticket moved to ${stateLabel(state)}`, attachments: [], redacted: false });
      }
      const what = state ? `Move to ${stateLabel(state)}` : `Update ${attributes.map((a) => a.name).join(", ")}`;
      return outbox(t, "update_ticket", what);
    },
    reply_ticket: ({ ticketId, body, kind }) => {
      const t = ticket(ticketId);
      return outbox(t, kind === "note" ? "note" : "reply", body.slice(0, 60), () => {
        t.parts.push({ id: `tp-new-${nextId++}`, kind: kind === "note" ? "note" : "message", authorKind: "admin", authorName: db.session.adminName, createdAt: NOW, bodyHtml: `<p>${body.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`)}</p>`, eventText: null, attachments: [], redacted: false });
      });
    },
    list_tags: () => db.tags.slice().sort((a, b) => a.name.localeCompare(b.name)),
    save_draft: ({ workspaceId, id, kind, text }) => {
      const session = needSession();
      if (session.workspaceId !== workspaceId) fail("stale_workspace", "That draft belongs to a workspace that is no longer open; it was not saved.");
      if (kind !== "comment" && kind !== "note") fail("invalid_input", `a draft is a reply or a note, not ${kind}`);
      const key = `${workspaceId}/${id}`;
      if (text.trim()) db.drafts.set(key, { id, kind, text, updatedAt: NOW });
      else db.drafts.delete(key);
      return null;
    },
    list_drafts: () => {
      const prefix = `${needSession().workspaceId}/`;
      return [...db.drafts.entries()].filter(([k]) => k.startsWith(prefix)).map(([, d]) => d);
    },
    tag_item: ({ kind, id, tagId }) => {
      const item = taggable(kind, id);
      const tag = tagById(tagId);
      if (!item.tags.some((t) => t.id === tagId)) item.tags = [...item.tags, tag];
      return outbox(item, "tag", `Tag ${tag.name}`);
    },
    untag_item: ({ kind, id, tagId }) => {
      const item = taggable(kind, id);
      const tag = item.tags.find((t) => t.id === tagId) || tagById(tagId);
      item.tags = item.tags.filter((t) => t.id !== tagId);
      return outbox(item, "untag", `Remove tag ${tag.name}`);
    },
    set_priority: ({ id, priority }) => {
      const c = conv(id);
      c.priority = priority;
      return outbox(c, "priority", priority ? "Mark priority" : "Remove priority");
    },
    update_conversation_attributes: ({ id, attributes }) => {
      const c = conv(id);
      checkAttributes(c.attributes, attributes);
      applyAttributes(c, attributes);
      return outbox(c, "attributes", `Update ${attributes.map((a) => a.name).join(", ")}`);
    },
    get_directory: () => ({ admins, teams }),
    get_contact_panel: ({ contactId }) => {
      const p = contacts.find((c) => c.id === contactId) || fail("not_found", "That contact is not in the cache.");
      const recent = db.conversations.filter((c) => c.contactId === contactId).slice(0, 5).map((c) => ({ id: c.id, subject: c.subject, state: c.state, lastActivityAt: c.lastActivityAt }));
      const names = [...new Set(p.events.map((e) => e.name))];
      const summaries = names.map((name) => {
        const es = p.events.filter((e) => e.name === name);
        return { name, count: es.length, first: Math.min(...es.map((e) => e.createdAt)), last: Math.max(...es.map((e) => e.createdAt)) };
      });
      return { id: p.id, name: p.name, email: p.email, company: p.company, location: p.location, customAttributes: p.customAttributes, recentConversations: recent, events: p.events, summaries };
    },
    track_event: ({ contactId, name, metadata }) => {
      if (metadata.length > 10) fail("invalid_input", "At most 10 metadata pairs.");
      const p = contacts.find((c) => c.id === contactId);
      p.events.unshift({ name, createdAt: NOW, metadata });
      const item = { id: `o${nextId++}`, conversationId: "", kind: "event", summary: name, state: "pending", error: null, createdAt: NOW };
      return item;
    },
    search: ({ query, limit }) => {
      const q = query.trim().toLowerCase();
      if (!q) return [];
      const hits = [];
      for (const c of db.conversations) {
        const text = `${c.subject} ${c.snippet}`;
        const at = text.toLowerCase().indexOf(q);
        if (at < 0) continue;
        hits.push({
          kind: "conversation",
          ticketId: null,
          conversationId: c.id,
          contactName: c.contactName,
          subject: c.subject,
          lastActivityAt: c.lastActivityAt,
          snippet: [
            { text: text.slice(0, at), match: false },
            { text: text.slice(at, at + q.length), match: true },
            { text: text.slice(at + q.length), match: false },
          ],
        });
        if (hits.length >= limit) break;
      }
      for (const t of db.tickets) {
        if (hits.length >= limit) break;
        const text = `#${t.number} ${t.title}`;
        const at = text.toLowerCase().indexOf(q);
        if (at < 0) continue;
        hits.push({
          kind: "ticket",
          ticketId: t.id,
          conversationId: "",
          contactName: t.contactName,
          subject: t.title,
          lastActivityAt: t.lastActivityAt,
          snippet: [
            { text: text.slice(0, at), match: false },
            { text: text.slice(at, at + q.length), match: true },
            { text: text.slice(at + q.length), match: false },
          ],
        });
      }
      return hits;
    },
    get_settings: () => db.settings,
    update_settings: ({ settings }) => {
      db.settings = { ...db.settings, ...settings };
      return db.settings;
    },
    list_saved_replies: () => db.savedReplies,
    save_saved_reply: ({ reply }) => {
      db.savedReplies = [...db.savedReplies.filter((r) => r.id !== reply.id), reply];
      return db.savedReplies;
    },
    delete_saved_reply: ({ id }) => {
      db.savedReplies = db.savedReplies.filter((r) => r.id !== id);
      return db.savedReplies;
    },
    sync_now: () => null,
    get_status: () => db.status,
    open_external: () => null,
  };

  /** Sets the network state and tells the UI, like the sync engine would. */
  const setOnline = (online) => {
    db.online = online;
    db.status = { ...db.status, online, offlineSince: online ? null : NOW };
    emit("sync://status", db.status);
    if (online) for (const o of db.outbox) if (o.state === "pending") setTimeout(o.deliver, 0);
  };

  window.__fake = {
    db,
    calls,
    counts,
    setOnline,
    emit,
    handle(cmd, args) {
      calls.push([cmd, args]);
      const answer = () => {
        const h = handlers[cmd];
        if (!h) fail("internal", `the fake backend has no command ${cmd}`);
        // Serialize like IPC does, so the UI cannot share objects with the backend.
        const out = h(args || {});
        return out === undefined ? null : JSON.parse(JSON.stringify(out));
      };
      if (!held.has(cmd)) return answer();
      return new Promise((resolve, reject) =>
        waiting.push(() => {
          try {
            resolve(answer());
          } catch (e) {
            reject(e);
          }
        }),
      );
    },
    /** How many held calls wait for an answer. */
    held: () => waiting.length,
    /** Answers the `n` oldest held calls (all of them by default). */
    release(n = Infinity) {
      for (const go of waiting.splice(0, n)) go();
    },
    /** Stops holding: what waits is answered, and later calls answer at once. */
    unhold() {
      held = new Set();
      this.release();
    },
  };
})();
