// Bulk actions (issue 22): picking many rows with the mouse and the keyboard, then close,
// snooze, assign or mark read in one step, each conversation through its own command once,
// with progress, cancel, and the failures named.
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
    db: { conversations: { id: string; state: string; lastActivityAt: number; contactName: string; subject: string; unread: boolean }[] };
    held: () => number;
    release: (n?: number) => void;
    unhold: () => void;
  };
};

const LIST = "[data-testid=conversation-list]";
const row = (page: Page, id: string) => page.locator(`${LIST} [role=option][data-id="${id}"]`);
const rowIds = (page: Page) => page.locator(`${LIST} [role=option][data-id]`).evaluateAll((els) => els.map((e) => e.getAttribute("data-id")!));
const checkedIds = (page: Page) =>
  page.locator(`${LIST} [role=option][aria-checked=true]`).evaluateAll((els) => els.map((e) => e.getAttribute("data-id")!));
const highlighted = (page: Page) => page.locator(`${LIST} [role=option][aria-selected=true]`).getAttribute("data-id");
const count = (page: Page) => page.getByTestId("bulk-count").textContent();
const bar = (page: Page) => page.getByRole("toolbar", { name: "Act on the selected conversations" });
const release = (page: Page, n?: number) => page.evaluate((n) => (window as unknown as Fake).__fake.release(n), n);

async function ready(page: Page): Promise<string[]> {
  await page.locator(`${LIST} [role=option][data-id]`).first().waitFor();
  return rowIds(page);
}

/** Waits until the report says `text` (the run has ended). */
async function reportSays(page: Page, text: string) {
  await page.waitForFunction(
    (t) => document.querySelector("[data-testid=bulk-report] p")?.textContent === t,
    text,
  );
}

describe("bulk actions", () => {
  it("Ctrl+click picks three rows without opening them; Close sends one close per row and they leave", async () => {
    const page = await openFake(h, { session: "demo" });
    const ids = await ready(page);
    const picked = [ids[1]!, ids[3]!, ids[4]!];
    expect(await page.locator(LIST).getAttribute("aria-multiselectable"), "the conversation list says it takes many rows").toBe("true");
    await row(page, picked[0]!).click({ modifiers: ["ControlOrMeta"] });
    await row(page, picked[1]!).click({ modifiers: ["ControlOrMeta"] });
    // The row's mark is a checkbox for the mouse: a plain click on it picks too.
    await row(page, picked[2]!).locator(".check").click();
    expect(await checkedIds(page), "each Ctrl+click (and the mark) picked its row, marked with aria-checked").toEqual(picked);
    expect(await count(page), "the bar counts the picked rows").toBe("3 selected");
    expect(await calls(page, "get_conversation"), "picking opens nothing").toHaveLength(0);

    await bar(page).getByRole("button", { name: "Close", exact: true }).click();
    const closed = await waitForCall(page, "close_conversation", 3);
    expect(closed, "one close per picked conversation, in list order").toEqual(picked.map((id) => ({ id })));
    await reportSays(page, "Closed 3 conversations.");
    await page.waitForFunction(
      ([list, gone]) => (gone as string[]).every((id) => !document.querySelector(`${list} [role=option][data-id="${id}"]`)),
      [LIST, picked] as const,
    );
    expect(await checkedIds(page), "closed rows left the view and the selection").toEqual([]);
    expect(await count(page), "nothing is left picked").toBe("0 selected");
    expect(await calls(page, "close_conversation"), "each conversation was closed exactly once").toHaveLength(3);
    expect(page.pageErrors, "no uncaught errors").toEqual([]);
    await page.close();
  });

  it("Shift+click picks the range from the last clicked row; a plain click opens and keeps the picks", async () => {
    const page = await openFake(h, { session: "demo" });
    const ids = await ready(page);
    await row(page, ids[1]!).click();
    await waitForCall(page, "get_conversation");
    await row(page, ids[4]!).click({ modifiers: ["Shift"] });
    expect(await checkedIds(page), "Shift+click picks from the clicked row to this one").toEqual(ids.slice(1, 5));
    expect(await calls(page, "get_conversation"), "Shift+click does not open the row").toHaveLength(1);
    await row(page, ids[2]!).click({ modifiers: ["Shift"] });
    expect(await checkedIds(page), "a second Shift+click redraws the range from the same anchor").toEqual(ids.slice(1, 3));

    await row(page, ids[6]!).click();
    await waitForCall(page, "get_conversation", 2);
    expect(await checkedIds(page), "a plain click opens a row and leaves the selection alone").toEqual(ids.slice(1, 3));
    await row(page, ids[9]!).click({ modifiers: ["Shift"] });
    expect(await checkedIds(page), "the opened row is the new anchor: its range joins the picks").toEqual([...ids.slice(1, 3), ...ids.slice(6, 10)]);
    expect(await page.evaluate(() => getSelection()?.toString() ?? ""), "Shift+click selects rows, not the text between them").toBe("");
    await page.close();
  });

  it("x picks the highlighted row, Shift+j/k pick while moving, Escape clears", async () => {
    const page = await openFake(h, { session: "demo" });
    const ids = await ready(page);
    await page.keyboard.press("x");
    expect(await checkedIds(page), "x picks the highlighted row").toEqual([ids[0]]);
    await page.keyboard.press("Shift+J");
    await page.keyboard.press("Shift+J");
    expect(await checkedIds(page), "Shift+j picks each row the highlight moves to").toEqual(ids.slice(0, 3));
    expect(await highlighted(page), "and moves the highlight").toBe(ids[2]);
    await page.keyboard.press("Shift+K");
    expect(await checkedIds(page), "Shift+k back over the range takes its last row out").toEqual(ids.slice(0, 2));
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    await page.keyboard.press("x");
    expect(await checkedIds(page), "j moves without picking; x adds the row it reached").toEqual([ids[0], ids[1], ids[3]]);
    await page.keyboard.press("x");
    expect(await checkedIds(page), "x again takes it out").toEqual(ids.slice(0, 2));

    await page.keyboard.press("Control+k");
    const palette = page.getByRole("dialog", { name: "Command palette" });
    await palette.waitFor();
    await page.keyboard.type("selected");
    const offered = await palette.getByRole("option").allTextContents();
    expect(offered, "the palette offers the bulk actions, counted").toEqual(["Close 2 selected", "Snooze 2 selected…", "Assign 2 selected…", "Mark 2 selected read"]);
    await page.keyboard.press("Escape");
    await palette.waitFor({ state: "detached" });
    expect(await checkedIds(page), "Escape closed the palette only: the selection is still there").toEqual(ids.slice(0, 2));
    await page.keyboard.press("Escape");
    await page.getByTestId("bulk-bar").waitFor({ state: "detached" });
    expect(await checkedIds(page), "the next Escape clears the selection").toEqual([]);
    expect(await calls(page, "close_conversation"), "picking and clearing sends nothing").toHaveLength(0);
    await page.close();
  });

  it("a bulk close of 50 with one refused: 49 closed once each, the failure named, its row still picked", async () => {
    const page = await openFake(h, { session: "demo", failIds: ["c12"], holdCommands: ["close_conversation"] });
    await ready(page);
    const expected = await page.evaluate(() =>
      (window as unknown as Fake).__fake.db.conversations
        .filter((c) => c.state === "open")
        .sort((a, b) => b.lastActivityAt - a.lastActivityAt)
        .slice(0, 50)
        .map((c) => c.id),
    );
    expect(expected, "the refused conversation is among the 50").toContain("c12");
    await page.locator("[data-view=all_open]").click();
    await page.waitForFunction(
      ([list, first, second]) =>
        document.querySelector(`${list} [aria-posinset='1']`)?.getAttribute("data-id") === first &&
        document.querySelector(`${list} [aria-posinset='2']`)?.getAttribute("data-id") === second,
      [LIST, expected[0], expected[1]] as const,
    );
    await page.keyboard.press("x");
    for (let i = 0; i < 49; i++) await page.keyboard.press("Shift+J");
    expect(await count(page), "x and 49 Shift+j picked 50 rows").toBe("50 selected");

    // A double click: the second click must not start a second run.
    await bar(page).getByRole("button", { name: "Close", exact: true }).dblclick();
    await waitForCall(page, "close_conversation", 1);
    const meter = page.getByRole("progressbar", { name: "Bulk action progress" });
    expect(await meter.getAttribute("aria-valuemax"), "progress counts the 50").toBe("50");
    expect(await meter.getAttribute("aria-valuenow"), "none done while the first is in flight").toBe("0");
    expect(await meter.getAttribute("aria-valuetext"), "the bar says which one is going").toBe("Closing 1 of 50…");
    expect(await bar(page).getByRole("button", { name: "Close", exact: true }).isDisabled(), "the bar is disabled while a run goes").toBe(true);
    expect(await page.evaluate(() => (window as unknown as Fake).__fake.held()), "one item at a time: the second waits for the first").toBe(1);
    await release(page, 1);
    await waitForCall(page, "close_conversation", 2);
    expect(await meter.getAttribute("aria-valuenow"), "the first is done").toBe("1");
    expect(await page.locator(".progress").textContent(), "the bar shows the count").toContain("Closing 2 of 50…");

    await page.evaluate(() => (window as unknown as Fake).__fake.unhold());
    await reportSays(page, "Closed 49 conversations. 1 failed:");
    const sent = (await calls(page, "close_conversation")).map((c) => (c[1] as { id: string }).id);
    expect(sent.length, "one call per picked conversation: the double click started one run").toBe(50);
    expect(new Set(sent).size, "no conversation was sent twice").toBe(50);
    expect([...sent].sort(), "exactly the picked ones were sent").toEqual([...expected].sort());

    const failed = page.getByRole("list", { name: "Failed" }).getByRole("listitem");
    expect(await failed.count(), "one failure is listed").toBe(1);
    const c12 = await page.evaluate(() => (window as unknown as Fake).__fake.db.conversations.find((c) => c.id === "c12")!);
    expect(await failed.textContent(), "the failure names the row and gives the backend's message").toBe(
      `${c12.contactName} · ${c12.subject}: Intercom no longer accepts changes to c12: it was merged into another conversation.`,
    );
    expect(await count(page), "only the failed row stays picked, ready for another try").toBe("1 selected");
    // Shift+j scrolled down to the 50th row; the failed one is near the top now.
    await page.locator(LIST).evaluate((el) => (el.scrollTop = 0));
    await row(page, "c12").waitFor();
    expect(await row(page, "c12").getAttribute("aria-checked"), "the failed row is still marked").toBe("true");
    expect(page.pageErrors, "no uncaught errors").toEqual([]);
    await page.close();
  });

  it("Cancel stops between items: what was sent stays sent, the rest stays picked", async () => {
    const page = await openFake(h, { session: "demo", holdCommands: ["close_conversation"] });
    const ids = await ready(page);
    const picked = ids.slice(0, 5);
    for (const id of picked) await row(page, id).click({ modifiers: ["ControlOrMeta"] });
    await bar(page).getByRole("button", { name: "Close", exact: true }).click();
    await waitForCall(page, "close_conversation", 1);
    await release(page, 1);
    await waitForCall(page, "close_conversation", 2);
    await page.getByRole("button", { name: "Cancel" }).click();
    await release(page);
    await reportSays(page, "Cancelled. Closed 2 conversations. 3 not sent.");
    const sent = (await calls(page, "close_conversation")).map((c) => (c[1] as { id: string }).id);
    expect(sent, "the item in flight finished; none was sent after Cancel").toEqual(picked.slice(0, 2));
    expect(await count(page), "the unsent rows stay picked").toBe("3 selected");
    await page.waitForFunction((id) => !document.querySelector(`[role=option][data-id="${id}"]`), picked[1]);
    expect(await checkedIds(page), "the three never sent are the ones still marked").toEqual(picked.slice(2));
    await page.close();
  });

  it("snooze, assign and mark read go one call per row; another view starts with nothing picked", async () => {
    const page = await openFake(h, { session: "demo" });
    const ids = await ready(page);
    await row(page, ids[0]!).click({ modifiers: ["ControlOrMeta"] });
    await row(page, ids[1]!).click({ modifiers: ["ControlOrMeta"] });
    await bar(page).getByRole("button", { name: "Assign", exact: true }).click();
    await page.getByRole("menuitem", { name: "Sam Support" }).click();
    const assigned = await waitForCall(page, "assign_conversation", 2);
    expect(assigned, "each picked row is assigned to the teammate chosen").toEqual(ids.slice(0, 2).map((id) => ({ id, assignee: { kind: "admin", id: "a2" } })));
    await reportSays(page, "Assigned 2 conversations to Sam Support.");

    // Reassigned away from the agent, both left "Your inbox"; pick two more.
    await page.waitForFunction(([list, id]) => !document.querySelector(`${list} [role=option][data-id="${id}"]`), [LIST, ids[1]] as const);
    const next = await rowIds(page);
    await row(page, next[0]!).click({ modifiers: ["ControlOrMeta"] });
    await row(page, next[1]!).click({ modifiers: ["ControlOrMeta"] });
    expect(await page.getByTestId("bulk-report").textContent(), "the old report stays until a new run or Dismiss").toContain("Assigned 2");
    await bar(page).getByRole("button", { name: "Mark read" }).click();
    const read = await waitForCall(page, "mark_read", 2);
    expect(read, "one mark_read per picked row").toEqual(next.slice(0, 2).map((id) => ({ id })));
    await reportSays(page, "Marked 2 conversations read.");
    expect(await count(page), "read rows leave the selection").toBe("0 selected");

    await row(page, next[2]!).click({ modifiers: ["ControlOrMeta"] });
    await bar(page).getByRole("button", { name: "Snooze", exact: true }).click();
    await page.getByRole("menu", { name: "Snooze" }).getByRole("menuitem", { name: /Tomorrow/ }).click();
    const [snoozed] = await waitForCall(page, "snooze_conversation", 1);
    const tomorrow = new Date();
    tomorrow.setDate(tomorrow.getDate() + 1);
    tomorrow.setHours(9, 0, 0, 0);
    expect(snoozed, "the thread's snooze choices: tomorrow is 09:00 local").toEqual({ id: next[2], until: tomorrow.getTime() / 1000 });
    await reportSays(page, "Snoozed 1 conversation (Tomorrow).");

    await row(page, next[3]!).click({ modifiers: ["ControlOrMeta"] });
    expect(await count(page), "one picked before the view changes").toBe("1 selected");
    await page.locator("[data-view=all_open]").click();
    await page.getByTestId("bulk-bar").waitFor({ state: "detached" });
    expect(await checkedIds(page), "another view starts with nothing picked").toEqual([]);
    expect(page.pageErrors, "no uncaught errors").toEqual([]);
    await page.close();
  });
});
