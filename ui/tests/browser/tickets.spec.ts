// Tickets (issue 14) against the fake workspace: the Tickets view and its filters, a ticket's
// thread with state changes, its attributes (good, bad and refused values), replies, and the
// outbox while offline.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, openFake, start, waitForCall, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.close();
});

type Page = Awaited<ReturnType<typeof openFake>>;
type Fake = {
  __fake: {
    db: { tickets: { id: string; state: string; ticketTypeId: string }[]; attributeErrors: Record<string, string> };
    counts(): { id: string; unread: number; total: number }[];
    setOnline(online: boolean): void;
  };
};

const ticketRows = (page: Page) => page.getByTestId("ticket-list").locator("[role=option][data-id]");

async function openTickets(page: Page) {
  await page.getByRole("navigation", { name: "Views" }).getByRole("button", { name: /Tickets/ }).click();
  await ticketRows(page).first().waitFor();
}

async function openTicket(page: Page, id: string) {
  await openTickets(page);
  await page.getByTestId("ticket-list").locator(`[role=option][data-id=${id}]`).click();
  await page.getByRole("article", { name: /^Ticket #/ }).waitFor();
}

describe("tickets", () => {
  it("the Tickets view sits with the views, counts like them, and filters by state and type", async () => {
    const page = await openFake(h, { session: "demo" });
    const badge = page.getByTestId("badge-tickets");
    await badge.waitFor();
    const truth = (await page.evaluate(() => (window as unknown as Fake).__fake.counts())).find((c) => c.id === "tickets")!;
    expect(await badge.textContent(), "the Tickets entry shows the backend's unread count").toBe(String(truth.unread));
    await openTickets(page);
    expect((await waitForCall(page, "list_tickets"))[0], "the view asks for every open state of every type").toMatchObject({ state: null, ticketTypeId: null });
    const states = await page.getByTestId("ticket-list").getByTestId("ticket-state").allTextContents();
    expect(states.length, "rows are listed").toBeGreaterThan(3);
    expect(states, "resolved tickets are not in the open list").not.toContain("Resolved");
    // The keys work on tickets as on conversations.
    const [, second] = await ticketRows(page).evaluateAll((els) => els.slice(0, 2).map((e) => e.getAttribute("data-id")!));
    // Enter on the focused sidebar button is the button's; the keys are the list's elsewhere.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("j");
    await page.keyboard.press("Enter");
    expect((await waitForCall(page, "get_ticket"))[0], "j and Enter open the second ticket, as a ticket").toMatchObject({ id: second });
    await page.getByRole("article", { name: /^Ticket #/ }).waitFor();
    expect(await calls(page, "get_conversation"), "a ticket id is never read as a conversation").toHaveLength(0);
    const first = ticketRows(page).first();
    expect(await first.textContent(), "a row shows the number, title, type, contact and assignee").toMatch(/#1000.*Export fails with 500.*Ava Novak.*Bug report.*Submitted.*Bug.*Dana Agent/);

    await page.getByRole("combobox", { name: "Filter by state" }).selectOption("resolved");
    await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=ticket-list] [data-testid=ticket-state]")].every((e) => e.textContent === "Resolved"));
    expect((await calls(page, "list_tickets")).at(-1)?.[1], "the state filter is the backend's").toMatchObject({ state: "resolved", ticketTypeId: null });

    await page.getByRole("combobox", { name: "Filter by type" }).selectOption({ label: "Billing request" });
    await waitForCall(page, "list_tickets", 3);
    expect((await calls(page, "list_tickets")).at(-1)?.[1], "both filters together").toMatchObject({ state: "resolved", ticketTypeId: "tt2" });
    const ids = await ticketRows(page).evaluateAll((els) => els.map((e) => e.getAttribute("data-id")!));
    const truthIds = await page.evaluate(() => (window as unknown as Fake).__fake.db.tickets.filter((t) => t.state === "resolved" && t.ticketTypeId === "tt2").map((t) => t.id));
    expect(ids.length, "some tickets match").toBeGreaterThan(0);
    expect(truthIds.slice(0, ids.length), "exactly the resolved billing requests, newest first").toEqual(ids);
    expect(await page.getByRole("combobox", { name: "Filter by type" }).locator("option").allTextContents(), "archived types are not offered").not.toContain("Old type");
    await page.close();
  });

  it("a ticket's thread shows its parts and state changes; the state selector moves it", async () => {
    const page = await openFake(h, { session: "demo" });
    await openTicket(page, "tk1");
    expect((await waitForCall(page, "mark_read"))[0], "opening an unread ticket reads it (docs/IPC.md notes)").toEqual({ id: "tk1" });
    await page.waitForFunction(() => document.querySelector("[data-testid=ticket-list] [data-id=tk1] .dot")?.textContent === "");
    const thread = page.getByTestId("thread");
    expect(await thread.locator("[data-kind=state_change]").first().textContent(), "state changes are quiet lines").toContain("Ticket moved to Submitted");
    expect(await thread.locator("[data-kind=note]").count(), "notes as in a conversation").toBe(1);
    const state = page.getByRole("toolbar", { name: "Ticket actions" }).getByRole("combobox", { name: "Ticket state" });
    expect(await state.inputValue()).toBe("submitted");
    await state.selectOption("in_progress");
    expect((await waitForCall(page, "update_ticket"))[0], "the state goes through update_ticket").toEqual({ id: "tk1", state: "in_progress" });
    await thread.getByText("Ticket moved to In progress").waitFor();
    await page.waitForFunction(() => document.querySelector("[data-testid=ticket-list] [data-id=tk1] [data-testid=ticket-state]")?.textContent === "In progress");

    await page.keyboard.press("Control+k");
    await page.keyboard.type("move ticket to waiting");
    await page.keyboard.press("Enter");
    await thread.getByText("Ticket moved to Waiting on customer").waitFor();
    expect((await calls(page, "update_ticket")).at(-1)?.[1], "the palette moves it too").toEqual({ id: "tk1", state: "waiting_on_customer" });
    expect(page.pageErrors).toEqual([]);
    await page.close();
  });

  it("ticket attributes: a good value is saved, a bad one is refused beside its field and kept, a required one cannot be emptied", async () => {
    const page = await openFake(h, { session: "demo" });
    await openTicket(page, "tk1");
    const panel = page.getByRole("region", { name: "Ticket attributes" });
    const users = panel.getByRole("textbox", { name: "Affected users" });
    await users.fill("12a");
    await users.press("Enter");
    await panel.getByRole("alert").filter({ hasText: "Affected users takes a whole number, like 42." }).waitFor();
    expect(await users.inputValue(), "what the agent typed stays for them to fix").toBe("12a");
    expect(await users.getAttribute("aria-invalid")).toBe("true");
    expect(await calls(page, "update_ticket"), "nothing is sent for a bad value").toHaveLength(0);

    await users.fill("25");
    await users.press("Enter");
    expect((await waitForCall(page, "update_ticket"))[0], "a whole number is sent as a number").toEqual({ id: "tk1", attributes: [{ name: "affected_users", value: 25 }] });
    await panel.getByRole("alert").waitFor({ state: "detached" });
    expect(await users.inputValue()).toBe("25");

    const title = panel.getByRole("textbox", { name: "Title" });
    await title.fill("");
    await title.press("Enter");
    await panel.getByText("Title is required: it cannot be empty.").waitFor();
    expect(await calls(page, "update_ticket"), "a required attribute is never emptied").toHaveLength(1);

    await page.evaluate(() => ((window as unknown as Fake).__fake.db.attributeErrors.browser = "Browser must name a supported browser: Firefox, Chrome or Safari."));
    const browser = panel.getByRole("textbox", { name: "Browser" });
    await browser.fill("Netscape 4");
    await browser.press("Enter");
    await panel.getByText("Browser must name a supported browser: Firefox, Chrome or Safari.").waitFor();
    expect(await browser.inputValue(), "the backend's refusal keeps the text too").toBe("Netscape 4");

    await panel.getByRole("combobox", { name: "Severity" }).selectOption("Critical");
    /** The update_ticket call that changed `name` (refused calls are recorded too). */
    const sent = async (name: string) => {
      await page.waitForFunction((n) => JSON.stringify((window as unknown as { __fake: { calls: unknown[][] } }).__fake.calls).includes(`{"name":"${n}"`), name);
      return (await calls(page, "update_ticket")).map((c) => c[1] as { attributes?: { name: string }[] }).find((a) => a.attributes?.[0]?.name === name);
    };
    expect(await sent("severity"), "a list sends its option").toEqual({ id: "tk1", attributes: [{ name: "severity", value: "Critical" }] });
    const reproducible = panel.getByRole("checkbox", { name: "Reproducible" });
    const was = await reproducible.isChecked();
    await reproducible.click();
    expect(await sent("reproducible"), "a yes/no sends a boolean").toEqual({ id: "tk1", attributes: [{ name: "reproducible", value: !was }] });
    await page.close();
  });

  it("replying to a ticket goes through reply_ticket; offline it shows as queued at once", async () => {
    const page = await openFake(h, { session: "demo" });
    await openTicket(page, "tk2");
    await page.keyboard.press("r");
    await page.keyboard.type("We have refunded the duplicate charge.");
    await page.keyboard.press("Control+Enter");
    expect((await waitForCall(page, "reply_ticket"))[0]).toEqual({ ticketId: "tk2", body: "We have refunded the duplicate charge.", kind: "comment" });
    await page.getByTestId("thread").locator("[data-kind=teammate]").filter({ hasText: "We have refunded the duplicate charge." }).waitFor();
    expect(await calls(page, "send_reply"), "a ticket reply is not a conversation reply").toHaveLength(0);

    await page.evaluate(() => (window as unknown as Fake).__fake.setOnline(false));
    await page.keyboard.press("Escape");
    await page.keyboard.press("n");
    await page.keyboard.type("Customer called, waiting on bank.");
    await page.keyboard.press("Control+Enter");
    const item = page.getByTestId("outbox-item").filter({ hasText: "Customer called" });
    await item.waitFor();
    expect(await item.getAttribute("data-state")).toBe("pending");
    expect(await item.textContent(), "offline, the note waits in the outbox and says so").toContain("Queued, offline");
    await page.waitForFunction(() => document.querySelector("[data-testid=ticket-list] [data-id=tk2]")?.textContent?.includes("Sending"));
    expect((await calls(page, "reply_ticket")).at(-1)?.[1]).toMatchObject({ kind: "note" });
    await page.close();
  });

  it("a ticket found by search opens as a ticket", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.locator("[role=option][data-id]").first().waitFor();
    await page.keyboard.press("/");
    await page.keyboard.type("vat number");
    const results = page.getByRole("listbox", { name: "Search results" });
    const hit = results.getByRole("option").filter({ hasText: "Ticket" }).first();
    await hit.waitFor();
    expect(await results.getByRole("option").count(), "several tickets share the title; each is its own hit").toBeGreaterThan(1);
    await hit.click();
    const [args] = await waitForCall(page, "get_ticket");
    expect(args, "the hit's ticket id is read as a ticket").toMatchObject({ id: "tk4" });
    await page.getByRole("article", { name: /^Ticket #1003/ }).waitFor();
    expect(await calls(page, "get_conversation"), "not as a conversation").toHaveLength(0);
    await page.close();
  });

  it("a failed ticket change offers Retry and Discard, as a conversation's does", async () => {
    const page = await openFake(h, { session: "demo", failSends: true });
    await openTicket(page, "tk1");
    await page.getByRole("toolbar", { name: "Ticket actions" }).getByRole("combobox", { name: "Ticket state" }).selectOption("in_progress");
    const failed = page.getByTestId("outbox-item").and(page.locator("[data-state=failed]"));
    await failed.waitFor();
    expect(await failed.textContent(), "the error is shown as written").toContain("Intercom refused");
    await page.waitForFunction(() => document.querySelector("[data-testid=ticket-list] [data-id=tk1]")?.textContent?.includes("Failed"));
    await failed.getByRole("button", { name: "Retry" }).click();
    expect((await waitForCall(page, "retry_outbox"))[0]).toMatchObject({ id: expect.any(String) });
    await page.getByTestId("outbox-item").waitFor({ state: "detached" });

    await page.evaluate(() => ((window as unknown as { __fake: { db: { failSends: boolean } } }).__fake.db.failSends = true));
    await page.keyboard.press("r");
    await page.keyboard.type("This one will fail.");
    await page.keyboard.press("Control+Enter");
    const again = page.getByTestId("outbox-item").and(page.locator("[data-state=failed]"));
    await again.waitFor();
    await again.getByRole("button", { name: "Discard" }).click();
    expect((await waitForCall(page, "discard_outbox"))[0]).toMatchObject({ id: expect.any(String) });
    await page.getByTestId("outbox-item").waitFor({ state: "detached" });
    expect(page.pageErrors).toEqual([]);
    await page.close();
  });
});
