// The main window against the fake workspace: views and counts, opening a conversation,
// the thread's rendering and link safety, and the windowed list over 100k rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, emitEvent, openFake, start, waitForCall, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.close();
});

type Fake = { __fake: { db: { conversations: Record<string, unknown>[] }; counts(): { id: string; unread: number; total: number }[] } };

describe("inbox", () => {
  it("renders views with counts and moves them on inbox://counts without polling", async () => {
    const page = await openFake(h, { session: "demo" });
    const mine = page.getByTestId("badge-mine");
    await mine.waitFor();
    const counts = await page.evaluate(() => (window as unknown as Fake).__fake.counts());
    const truth = counts.find((c) => c.id === "mine")!;
    expect(await mine.textContent(), "the badge shows the backend's unread count").toBe(String(truth.unread));
    const names = await page.getByRole("navigation", { name: "Views" }).getByRole("button").allTextContents();
    for (const view of ["Your inbox", "Unassigned", "Billing", "Technical", "All open", "Snoozed", "Closed"]) {
      expect(names.some((n) => n.includes(view)), `the sidebar lists ${view}`).toBe(true);
    }
    const moved = counts.map((c) => (c.id === "mine" ? { ...c, unread: 150 } : c.id === "unassigned" ? { ...c, unread: 0 } : c));
    await emitEvent(page, "inbox://counts", moved);
    await page.waitForFunction(() => document.querySelector("[data-testid=badge-mine]")?.textContent === "99+");
    expect(await page.getByTestId("badge-unassigned").textContent(), "zero unread shows no badge").toBe("");
    expect(await calls(page, "get_view_counts"), "counts arrive by event, not by polling").toHaveLength(1);
    await page.close();
  });

  it("opening a conversation marks it read and renders its parts in their styles", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.evaluate(() => {
      const c = (window as unknown as Fake).__fake.db.conversations[0]!;
      c.unread = true;
      (c.parts as Record<string, unknown>[]).push(
        { id: "n1", kind: "note", authorKind: "admin", authorName: "Sam Support", createdAt: 1, bodyHtml: "<p>Internal: check Stripe</p>", eventText: null, attachments: [], redacted: false },
        { id: "r1", kind: "message", authorKind: "contact", authorName: "Ava Novak", createdAt: 2, bodyHtml: "", eventText: null, attachments: [], redacted: true },
        { id: "f1", kind: "message", authorKind: "contact", authorName: "Ava Novak", createdAt: 3, bodyHtml: "<p>file</p>", eventText: null, attachments: [{ name: "invoice.pdf", url: "https://files.example/invoice.pdf", sizeBytes: 1536, contentType: "application/pdf" }], redacted: false },
      );
      c.remoteImagesBlocked = true;
    });
    const row = page.locator("[role=option][data-id=c1]");
    await row.click();
    const [args] = await waitForCall(page, "mark_read");
    expect(args, "opening must mark exactly that conversation read").toEqual({ id: "c1" });
    expect((await waitForCall(page, "set_open_conversation"))[0], "the shell learns what is on screen (no notification for it)").toEqual({ id: "c1" });
    const thread = page.getByTestId("thread");
    await thread.locator("[data-kind=note]").waitFor();
    expect(await thread.locator("[data-kind=customer]").count(), "customer messages are styled as such").toBeGreaterThanOrEqual(2);
    expect(await thread.locator("[data-kind=teammate]").count(), "the teammate reply has its own style").toBe(1);
    expect(await thread.locator("[data-kind=event]").textContent(), "events are quiet lines").toContain("assigned this to Billing");
    expect(await thread.getByText("This message was redacted.").count(), "redacted parts say so").toBe(1);
    expect(await thread.getByText("1.5 KB").count(), "attachments show a human size").toBe(1);
    expect(await thread.getByRole("link", { name: "invoice.pdf" }).count(), "attachments are listed by name").toBe(1);
    expect(await page.locator("[role=option][data-id=c1] .dot").textContent(), "the row loses its unread dot").toBe("");
    // Remote images: blocked until asked, then refetched with loadImages.
    await page.getByRole("button", { name: "Load images" }).click();
    await page.waitForFunction(() => !document.body.textContent?.includes("Remote images are blocked"));
    const gets = (await calls(page, "get_conversation")).map((c) => c[1] as { loadImages: boolean });
    expect(gets.at(-1)?.loadImages, "Load images asks the backend for the images").toBe(true);
    await page.close();
  });

  it("load_images_is_consent_for_one_conversation: a click never loads another conversation's images", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.locator("[role=option]").nth(1).waitFor();
    const [first, second] = await page.locator("[role=option]").evaluateAll((rows) => rows.slice(0, 2).map((r) => r.getAttribute("data-id")!));
    await page.evaluate((ids) => {
      for (const c of (window as unknown as Fake).__fake.db.conversations) if (ids.includes(c.id as string)) c.remoteImagesBlocked = true;
    }, [first!, second!]);
    /** What the window asked for each read of `id`: with its images or not. */
    const asked = async (id: string) =>
      (await calls(page, "get_conversation")).map((c) => c[1] as { id: string; loadImages: boolean }).filter((a) => a.id === id).map((a) => a.loadImages);
    const blocked = page.getByText("Remote images are blocked");

    await page.locator(`[role=option][data-id=${first}]`).click();
    await page.getByRole("button", { name: "Load images" }).click();
    await blocked.waitFor({ state: "detached" });
    expect((await asked(first!)).at(-1), "the click asks the backend for this conversation's images").toBe(true);

    await page.locator(`[role=option][data-id=${second}]`).click();
    await page.waitForFunction(
      (id) => (window as unknown as { __fake: { calls: unknown[][] } }).__fake.calls.some((c) => c[0] === "get_conversation" && (c[1] as { id: string }).id === id),
      second,
    );
    expect(await asked(second!), "opening another conversation does not ask for its images").not.toContain(true);
    await blocked.waitFor();
    const reads = (await asked(second!)).length;
    const before = (await calls(page, "get_conversation")).length;
    await emitEvent(page, "inbox://changed", { conversationIds: [second] });
    await waitForCall(page, "get_conversation", before + 1);
    expect((await asked(second!)).length, "a change event reads the other conversation again").toBeGreaterThan(reads);
    expect(await asked(second!), "the other conversation is never read with images: the click was for one conversation").not.toContain(true);
    expect(await blocked.count(), "the other conversation shows its images blocked").toBe(1);

    await page.locator(`[role=option][data-id=${first}]`).click();
    await blocked.waitFor({ state: "detached" });
    expect((await asked(first!)).at(-1), "the clicked conversation keeps its images for the session").toBe(true);
    await page.close();
  });

  it("open_conversation_turned_unread_when_the_customer_wrote: it is read again while on screen", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.locator("[role=option][data-id=c1]").click();
    await waitForCall(page, "mark_read");
    await page.getByRole("article").waitFor();
    /** The customer writes in c1, as a sync would bring it: unread, counts and a change. */
    const customerWrites = (text: string) =>
      page.evaluate((text) => {
        const fake = (window as unknown as Fake & { __fake: { emit(e: string, p: unknown): void } }).__fake;
        const c = fake.db.conversations[0]!;
        const parts = c.parts as Record<string, unknown>[];
        parts.push({ id: `live-${parts.length}`, kind: "message", authorKind: "contact", authorName: c.contactName, createdAt: Math.floor(Date.now() / 1000), bodyHtml: `<p>${text}</p>`, eventText: null, attachments: [], redacted: false });
        c.unread = true;
        fake.emit("inbox://counts", fake.counts());
        fake.emit("inbox://changed", { conversationIds: ["c1"] });
      }, text);
    const truth = () => page.evaluate(() => (window as unknown as Fake).__fake.counts().find((c) => c.id === "mine")!.unread);
    const badge = () => page.getByTestId("badge-mine").textContent().then((t) => Number(t || "0"));

    await customerWrites("Are you there?");
    await page.getByTestId("thread").getByText("Are you there?").waitFor();
    expect((await waitForCall(page, "mark_read", 2))[1], "a new customer message in the conversation being read marks it read again").toEqual({ id: "c1" });
    await expect.poll(() => page.evaluate(() => (window as unknown as Fake).__fake.db.conversations[0]!.unread), { message: "the backend holds it as read", timeout: 5_000 }).toBe(false);
    await expect.poll(badge, { message: "the badge ends equal to the backend's count", timeout: 5_000 }).toBe(await truth());
    await expect.poll(() => page.locator("[role=option][data-id=c1] .dot").textContent(), { message: "the row shows no unread dot", timeout: 5_000 }).toBe("");

    // Marking it unread on purpose is not undone by the change that follows.
    await page.getByRole("button", { name: "Mark unread" }).click();
    await waitForCall(page, "mark_unread");
    await page.locator("[role=option][data-id=c1] .dot", { hasText: "●" }).waitFor();
    await customerWrites("Still there?");
    await page.getByTestId("thread").getByText("Still there?").waitFor();
    expect(await calls(page, "mark_read"), "what the agent marked unread stays unread when the customer writes").toHaveLength(2);

    // With the window in the background the agent has not seen it: it stays unread until
    // the window is focused again.
    await page.locator("[role=option][data-id=c1]").click();
    await waitForCall(page, "mark_read", 3);
    await page.evaluate(() => (document.hasFocus = () => false));
    await customerWrites("Hello?");
    await page.getByTestId("thread").getByText("Hello?").waitFor();
    await page.locator("[role=option][data-id=c1] .dot", { hasText: "●" }).waitFor();
    expect(await calls(page, "mark_read"), "not read while the window is in the background").toHaveLength(3);
    await page.evaluate(() => {
      document.hasFocus = () => true;
      window.dispatchEvent(new FocusEvent("focus"));
    });
    expect((await waitForCall(page, "mark_read", 4))[3], "focusing the window with it on screen reads it").toEqual({ id: "c1" });
    await expect.poll(badge, { message: "and the badge follows", timeout: 5_000 }).toBe(await truth());
    await page.close();
  });

  it("thread_jumped_to_the_bottom_on_every_refresh: it keeps the agent's place unless they were at the bottom", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.evaluate(() => {
      const c = (window as unknown as Fake).__fake.db.conversations[0]!;
      const parts = c.parts as Record<string, unknown>[];
      for (let i = 0; i < 40; i++) parts.push({ id: `long-${i}`, kind: "message", authorKind: i % 2 ? "admin" : "contact", authorName: i % 2 ? "Dana Agent" : c.contactName, createdAt: 10 + i, bodyHtml: `<p>Message ${i}</p>`, eventText: null, attachments: [], redacted: false });
    });
    await page.locator("[role=option][data-id=c1]").click();
    const thread = page.getByTestId("thread");
    await thread.getByText("Message 39").waitFor();
    const position = () => thread.evaluate((el) => ({ top: el.scrollTop, fromBottom: el.scrollHeight - el.clientHeight - el.scrollTop, scrollable: el.scrollHeight > el.clientHeight + 200 }));
    expect((await position()).scrollable, "the thread is long enough to scroll").toBe(true);
    await expect.poll(async () => (await position()).fromBottom, { message: "a conversation opens at its latest part", timeout: 5_000 }).toBeLessThan(2);

    /** Something changes in c1 (a teammate's note, as another agent's sync would bring it). */
    const change = (text: string) =>
      page.evaluate((text) => {
        const fake = (window as unknown as Fake & { __fake: { emit(e: string, p: unknown): void } }).__fake;
        const parts = fake.db.conversations[0]!.parts as Record<string, unknown>[];
        parts.push({ id: `n-${parts.length}`, kind: "note", authorKind: "admin", authorName: "Sam Support", createdAt: 100, bodyHtml: `<p>${text}</p>`, eventText: null, attachments: [], redacted: false });
        fake.emit("inbox://changed", { conversationIds: ["c1"] });
      }, text);

    await thread.evaluate((el) => (el.scrollTop = 120));
    await expect.poll(async () => (await position()).top, { message: "the agent scrolled up to read", timeout: 5_000 }).toBe(120);
    await change("First note while reading");
    await thread.getByText("First note while reading").waitFor();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect((await position()).top, "a refresh keeps the place of an agent who scrolled up").toBe(120);

    await thread.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await change("Second note at the bottom");
    await thread.getByText("Second note at the bottom").waitFor();
    await expect.poll(async () => (await position()).fromBottom, { message: "an agent at the bottom follows new parts", timeout: 5_000 }).toBeLessThan(2);
    await page.close();
  });

  it("a hostile message body cannot navigate the app; links go to open_external", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.evaluate(() => {
      const c = (window as unknown as Fake).__fake.db.conversations[0]!;
      (c.parts as Record<string, unknown>[])[0]!.bodyHtml =
        '<p><a id="ext" href="https://evil.example/phish" target="_blank">claim prize</a> <a id="js" href="javascript:document.title=\'pwned\'">js</a> <a id="rel" href="/settings">rel</a></p>';
    });
    const start = page.url();
    await page.locator("[role=option][data-id=c1]").click();
    await page.locator("#ext").click();
    const [args] = await waitForCall(page, "open_external");
    expect(args, "the link opens in the system browser").toEqual({ url: "https://evil.example/phish" });
    const navigations: string[] = [];
    page.on("request", (r) => r.isNavigationRequest() && navigations.push(r.url()));
    page.on("popup", (p) => navigations.push(p.url()));
    await page.locator("#js").click();
    await page.locator("#rel").click();
    // A second external click, handled after the two above, marks the point by which any
    // navigation they caused would have been requested.
    await page.locator("#ext").click();
    await waitForCall(page, "open_external", 2);
    expect(navigations, "no click may load another page into the app or a popup").toEqual([]);
    expect(page.url(), "the app never leaves its page").toBe(start);
    expect(await page.title(), "javascript: links never run").not.toBe("pwned");
    expect(await calls(page, "open_external"), "only the http link reaches open_external (twice)").toHaveLength(2);
    await page.close();
  });

  it("renders only a window of rows for a 100k-row view and pages as it scrolls", async () => {
    const page = await openFake(h, { session: "demo", hugeView: 100_000 });
    await page.getByRole("button", { name: /All open/ }).click();
    const list = page.getByTestId("conversation-list");
    await page.locator("[role=option][data-id=h0]").waitFor();
    const first = await list.locator("[role=option]").count();
    expect(first, "only the rows on screen (plus a little overscan) are in the DOM").toBeLessThan(40);
    expect(await list.locator("[role=option]").first().getAttribute("aria-setsize"), "the list knows the full size").toBe("100000");
    const pages = (await calls(page, "list_conversations")).filter((c) => (c[1] as { view: string }).view === "all_open");
    expect(pages.length, "one page is enough for the first screen").toBe(1);
    await list.evaluate((el) => (el.scrollTop = 58 * 5_000));
    await page.locator("[role=option][data-id=h5000]").waitFor({ timeout: 15_000 });
    expect(await list.locator("[role=option]").count(), "scrolling far keeps the DOM small").toBeLessThan(40);
    const after = (await calls(page, "list_conversations")).map((c) => c[1] as { cursor: string | null });
    expect(after.filter((a) => a.cursor !== null).length, "later pages follow the backend's cursors").toBeGreaterThan(0);
    await page.close();
  });

  it("the status line follows sync://status: progress, offline time, errors", async () => {
    const page = await openFake(h, { session: "demo", backfill: { done: 250, total: 1000 } });
    const line = page.getByTestId("status-line");
    const bar = line.getByRole("progressbar", { name: "Initial sync" });
    await bar.waitFor();
    expect(await bar.getAttribute("value"), "the bar shows the backfill share").toBe("25");
    const lastSync = new Date(2026, 0, 5, 9, 7).getTime() / 1000;
    await emitEvent(page, "sync://status", {
      online: false, lastSyncAt: lastSync, offlineSince: lastSync + 60, backfill: null,
      error: { code: "rate_limited", message: "Intercom asked us to slow down; retrying in 30 seconds." },
      notificationsAvailable: true, notificationsProblem: null,
    });
    await line.getByText("Offline, showing what was cached at 09:07").waitFor();
    expect(await line.getByRole("alert").textContent(), "errors show their message").toBe("Intercom asked us to slow down; retrying in 30 seconds.");
    expect(await bar.count(), "the bar goes once the backfill is done").toBe(0);
    await line.getByRole("button", { name: "Sync now" }).click();
    await waitForCall(page, "sync_now");
    expect(await calls(page, "get_status"), "status arrives by event after the first read").toHaveLength(1);
    await page.close();
  });

  it("status_line_blank_before_the_first_cycle_ends: it says it is syncing, then when it last synced", async () => {
    const page = await openFake(h, { session: "demo" });
    const line = page.getByTestId("status-line");
    await line.getByRole("button", { name: "Sync now" }).waitFor();
    const base = { online: true, offlineSince: null, error: null, notificationsAvailable: true, notificationsProblem: null };
    // After the backfill's progress ends, the first cycle still fetches details and contacts.
    await emitEvent(page, "sync://status", { ...base, lastSyncAt: null, backfill: null });
    await line.getByText("Syncing with Intercom…").waitFor();
    const lastSync = new Date(2026, 0, 5, 9, 7).getTime() / 1000;
    await emitEvent(page, "sync://status", { ...base, lastSyncAt: lastSync, backfill: null });
    await line.getByText("Synced 09:07").waitFor();
    expect(await line.getByText("Syncing with Intercom…").count(), "once a cycle ended, the line says when").toBe(0);
    await page.close();
  });

  it("switching workspace boots the other one from settings", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.evaluate(() => {
      const db = (window as unknown as { __fake: { db: { workspaces: unknown[] } } }).__fake.db;
      db.workspaces.push({ id: "w2", name: "Acme Support", region: "eu", adminName: "Sam Support", active: false, demo: false });
    });
    await page.getByRole("button", { name: "Settings", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Settings" });
    await dialog.getByRole("button", { name: "Switch" }).click();
    expect((await waitForCall(page, "switch_workspace"))[0], "switch names the workspace").toEqual({ id: "w2" });
    await page.getByRole("navigation", { name: "Views" }).getByText("Acme Support").waitFor();
    expect(await dialog.count(), "the old session's window state is gone").toBe(0);
    expect((await calls(page, "get_view_counts")).length, "the new session reads its own counts").toBe(2);
    await page.close();
  });
});
