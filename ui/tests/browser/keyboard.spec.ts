// Keyboard first: j/k/Enter/r/n/// and friends, the palette, the shortcut list, and letters
// left alone while typing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, emitEvent, openFake, start, waitForCall, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.close();
});

type Fake = { __fake: { db: { conversations: { id: string; lastActivityAt: number; state: string }[] } } };

/** New activity on `bump` (it sorts to the top) and, optionally, `close` leaves the view. */
async function activity(page: Awaited<ReturnType<typeof openFake>>, bump: string, close?: string) {
  await page.evaluate(
    ([bump, close]) => {
      const db = (window as unknown as Fake).__fake.db;
      const c = db.conversations.find((x) => x.id === bump)!;
      c.lastActivityAt = Math.max(...db.conversations.map((x) => x.lastActivityAt)) + 60;
      const gone = db.conversations.find((x) => x.id === close);
      if (gone) gone.state = "closed";
    },
    [bump, close ?? null] as const,
  );
  await emitEvent(page, "inbox://changed", { conversationIds: close ? [bump, close] : [bump] });
  await page.waitForFunction((id) => document.querySelector("[role=option][aria-posinset='1']")?.getAttribute("data-id") === id, bump);
}

const selectedId = (page: Awaited<ReturnType<typeof openFake>>) =>
  page.locator("[role=option][aria-selected=true]").getAttribute("data-id");

describe("keyboard", () => {
  it("j/k move, Enter opens, r replies, / searches, typing is left alone", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.locator("[role=option][data-id]").first().waitFor();
    const ids = await page.locator("[role=option][data-id]").evaluateAll((els) => els.map((e) => e.getAttribute("data-id")));
    expect(await selectedId(page), "the first row starts selected").toBe(ids[0]);
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    expect(await selectedId(page), "j moves down a row each time").toBe(ids[2]);
    await page.keyboard.press("k");
    expect(await selectedId(page), "k moves back up").toBe(ids[1]);
    await page.keyboard.press("Enter");
    const [read] = await waitForCall(page, "mark_read");
    expect(read, "Enter opens the selected conversation").toEqual({ id: ids[1] });
    await page.getByRole("article").waitFor();

    await page.keyboard.press("r");
    const reply = page.getByRole("textbox", { name: "Reply to the customer" });
    await page.waitForFunction(() => document.activeElement?.tagName === "TEXTAREA");
    expect(await reply.inputValue(), "the r that focused the composer is not typed into it").toBe("");
    await page.keyboard.type("jk/e");
    expect(await reply.inputValue(), "letters go into the field while typing").toBe("jk/e");
    expect(await selectedId(page), "and do not move the selection").toBe(ids[1]);
    expect(await calls(page, "close_conversation"), "nor close anything").toHaveLength(0);
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => document.activeElement?.tagName !== "TEXTAREA");

    await page.keyboard.press("n");
    await page.getByRole("textbox", { name: /Note/ }).waitFor();
    expect(await page.getByRole("radio", { name: "Note" }).getAttribute("aria-checked"), "n switches to a note").toBe("true");
    await page.keyboard.press("Escape");

    await page.keyboard.press("/");
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Search conversations");
    expect(await page.getByRole("combobox", { name: "Search conversations" }).inputValue(), "the slash is not typed into the box").toBe("");
    await page.keyboard.press("Escape");

    await page.keyboard.press("e");
    expect((await waitForCall(page, "close_conversation"))[0], "e closes the open conversation").toEqual({ id: ids[1] });
    await page.keyboard.press("u");
    expect((await waitForCall(page, "mark_unread"))[0], "u marks it unread").toEqual({ id: ids[1] });
    await page.keyboard.press("z");
    await page.getByRole("menu", { name: "Snooze" }).waitFor();
    await page.keyboard.press("Escape");
    await page.keyboard.press("a");
    await page.getByRole("menu", { name: "Assign" }).waitFor();
    await page.close();
  });

  it("selection_drifted_when_the_list_resorted: the highlight follows the conversation, not the row", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.locator("[role=option][data-id]").first().waitFor();
    const ids = await page.locator("[role=option][data-id]").evaluateAll((els) => els.map((e) => e.getAttribute("data-id")!));
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    expect(await selectedId(page), "two rows down").toBe(ids[2]);

    await activity(page, ids[5]!);
    expect(await selectedId(page), "new activity elsewhere moved the rows; the highlight stays on the same conversation").toBe(ids[2]);
    await page.keyboard.press("Enter");
    expect((await waitForCall(page, "mark_read"))[0], "Enter opens what is highlighted, not what moved into its row").toEqual({ id: ids[2] });

    await page.keyboard.press("j");
    expect(await selectedId(page), "j continues from the highlighted conversation").toBe(ids[3]);
    await activity(page, ids[7]!, ids[3]!);
    expect(await selectedId(page), "the highlighted conversation left the view: the one that followed it is highlighted").toBe(ids[4]);
    await page.close();
  });

  it("? lists the shortcuts and Ctrl+K runs commands", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.locator("[role=option][data-id]").first().waitFor();
    await page.keyboard.press("?");
    const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await help.waitFor();
    expect(await help.textContent(), "the list names the palette").toContain("Command palette");
    await page.keyboard.press("Escape");
    await help.waitFor({ state: "detached" });

    await page.keyboard.press("Control+k");
    const palette = page.getByRole("dialog", { name: "Command palette" });
    await palette.waitFor();
    await page.keyboard.type("go closed");
    expect(await palette.getByRole("option").count(), "typing filters the commands").toBe(1);
    await page.keyboard.press("Enter");
    await palette.waitFor({ state: "detached" });
    await page.waitForFunction(() => document.querySelector("[aria-current=page]")?.getAttribute("data-view") === "closed");
    const views = (await calls(page, "list_conversations")).map((c) => (c[1] as { view: string }).view);
    expect(views, "the palette switched the list to Closed").toContain("closed");
    expect(await calls(page, "get_conversation"), "palette_enter_opened_the_row_behind_it: the palette's Enter is not the list's too").toHaveLength(0);
    await page.close();
  });
});
