// Writing through the outbox: Ctrl+Enter sends, offline replies queue and say so, failed
// items offer Retry and Discard, saved replies and deep links prefill, actions queue.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, emitEvent, openFake, start, waitForCall, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.close();
});

async function openFirst(page: Awaited<ReturnType<typeof openFake>>) {
  await page.locator("[role=option][data-id=c1]").click();
  await page.getByTestId("composer").waitFor();
}

describe("composer", () => {
  it("Ctrl+Enter sends the reply and the sent part appears", async () => {
    const page = await openFake(h, { session: "demo" });
    await openFirst(page);
    const box = page.getByRole("textbox", { name: "Reply to the customer" });
    await box.fill("We refunded you today.");
    await box.press("Control+Enter");
    const [args] = await waitForCall(page, "send_reply");
    expect(args, "the reply goes to this conversation as a customer-visible comment").toEqual({ conversationId: "c1", body: "We refunded you today.", kind: "comment" });
    await page.getByTestId("thread").locator("[data-kind=teammate]", { hasText: "We refunded you today." }).waitFor();
    expect(await box.inputValue(), "the composer clears after sending").toBe("");
    await page.getByTestId("outbox-item").waitFor({ state: "detached" });
    await page.close();
  });

  it("offline, a reply queues with the offline note and shows as pending", async () => {
    const page = await openFake(h, { session: "demo", online: false });
    await page.getByTestId("offline").waitFor();
    expect(await page.getByTestId("offline").textContent(), "the status line says the list is the cache").toMatch(/Offline, showing what was cached at \d\d:\d\d/);
    await openFirst(page);
    expect(await page.getByText("Offline: will send when back online").count(), "the composer warns before sending").toBe(1);
    await page.getByRole("radio", { name: "Note" }).click();
    const box = page.getByRole("textbox", { name: /Note/ });
    await box.fill("Customer is on the legacy plan");
    await box.press("Control+Enter");
    const item = page.getByTestId("outbox-item");
    await item.waitFor();
    expect(await item.getAttribute("data-state"), "offline items wait as pending").toBe("pending");
    expect(await item.textContent(), "the pending item says it waits for the network").toContain("Queued, offline");
    const [args] = await waitForCall(page, "send_reply");
    expect(args?.kind, "the Note toggle sends a note").toBe("note");
    await page.locator("[role=option][data-id=c1] .mark").waitFor();
    // Back online: the fake outbox delivers and the pending item goes away.
    await page.evaluate(() => (window as unknown as { __fake: { setOnline(o: boolean): void } }).__fake.setOnline(true));
    await item.waitFor({ state: "detached" });
    expect(await page.getByText("Offline: will send when back online").count(), "the note goes with the network back").toBe(0);
    await page.close();
  });

  it("a failed send offers Retry and Discard", async () => {
    const page = await openFake(h, { session: "demo", failSends: true });
    await openFirst(page);
    const box = page.getByRole("textbox", { name: "Reply to the customer" });
    await box.fill("This will fail first");
    await page.getByRole("button", { name: "Send" }).click();
    const failed = page.locator("[data-testid=outbox-item][data-state=failed]");
    await failed.waitFor();
    expect(await failed.textContent(), "the failure says why").toContain("422");
    await failed.getByRole("button", { name: "Retry" }).click();
    const [retry] = await waitForCall(page, "retry_outbox");
    expect(retry?.id, "Retry names the outbox item").toBeTruthy();
    await page.getByTestId("thread").locator("[data-kind=teammate]", { hasText: "This will fail first" }).waitFor();
    await page.getByTestId("outbox-item").waitFor({ state: "detached" });

    await page.evaluate(() => ((window as unknown as { __fake: { db: { failSends: boolean } } }).__fake.db.failSends = true));
    await box.fill("Second try");
    await box.press("Control+Enter");
    await failed.waitFor();
    await failed.getByRole("button", { name: "Discard" }).click();
    await waitForCall(page, "discard_outbox");
    await failed.waitFor({ state: "detached" });
    await page.close();
  });

  it("draft_lost_when_opening_another_conversation: each conversation keeps its draft and mode", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.locator("[role=option][data-id]").nth(1).waitFor();
    const [a, b] = await page.locator("[role=option][data-id]").evaluateAll((els) => els.slice(0, 2).map((e) => e.getAttribute("data-id")!));
    const open = async (id: string) => {
      await page.locator(`[role=option][data-id=${id}]`).click();
      await page.getByRole("article", { name: /Conversation with/ }).waitFor();
      await page.waitForFunction((id) => document.querySelector("[role=option].open")?.getAttribute("data-id") === id, id);
      await page.getByTestId("composer").waitFor();
    };
    const reply = page.getByRole("textbox", { name: "Reply to the customer" });
    const note = page.getByRole("textbox", { name: /Note/ });

    await open(a!);
    await reply.fill("Half a reply to A");
    await open(b!);
    expect(await reply.inputValue(), "another conversation starts with its own (empty) draft").toBe("");
    await page.getByRole("radio", { name: "Note" }).click();
    await note.fill("Half a note on B");

    await open(a!);
    expect(await reply.inputValue(), "coming back to A brings its reply draft back").toBe("Half a reply to A");
    await open(b!);
    expect(await note.inputValue(), "B's draft comes back as a note, in note mode").toBe("Half a note on B");
    await note.press("Control+Enter");
    expect((await waitForCall(page, "send_reply"))[0], "the note is sent from B").toEqual({ conversationId: b, body: "Half a note on B", kind: "note" });
    await page.getByTestId("thread").locator("[data-kind=note]", { hasText: "Half a note on B" }).waitFor();

    await open(a!);
    expect(await reply.inputValue(), "A's draft is untouched by B's send").toBe("Half a reply to A");
    await open(b!);
    expect(await reply.inputValue(), "a sent draft is gone, and the composer is back to replying").toBe("");
    await page.close();
  });

  it("drafts are forgotten at logout (people share computers)", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.locator("[role=option][data-id=c1]").click();
    const reply = page.getByRole("textbox", { name: "Reply to the customer" });
    await reply.fill("Something private");
    await page.getByRole("button", { name: "Settings" }).click();
    const dialog = page.getByRole("dialog", { name: "Settings" });
    await dialog.getByRole("button", { name: "Log out…" }).click();
    await dialog.getByRole("group", { name: "Confirm log out" }).getByRole("button", { name: "Log out" }).click();
    await page.getByRole("button", { name: "Open the demo workspace" }).click();
    await page.locator("[role=option][data-id=c1]").click();
    await page.getByTestId("composer").waitFor();
    expect(await reply.inputValue(), "the next person to log in does not see the last one's draft").toBe("");
    await page.close();
  });

  it("saved replies and app://open-conversation prefill the composer", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.getByRole("navigation", { name: "Views" }).waitFor();
    await emitEvent(page, "app://open-conversation", { id: "c7", prefill: "Hello from the link", fromLink: true });
    const box = page.getByRole("textbox", { name: "Reply to the customer" });
    await box.waitFor();
    expect(await box.inputValue(), "the deep link's text is in the composer").toBe("Hello from the link");
    const [opened] = await waitForCall(page, "set_open_conversation");
    expect(opened, "the linked conversation is the one opened").toEqual({ id: "c7" });
    await box.fill("");
    await page.getByLabel("Saved replies").selectOption({ label: "Need more details" });
    expect(await box.inputValue(), "a saved reply prefills the composer").toBe("Could you send a screenshot of what you see?");
    expect(await calls(page, "send_reply"), "prefilling never sends").toHaveLength(0);
    await page.close();
  });

  it("actions queue close, snooze, assign and mark unread", async () => {
    const page = await openFake(h, { session: "demo" });
    await openFirst(page);
    await page.getByRole("button", { name: "Close", exact: true }).click();
    expect((await waitForCall(page, "close_conversation"))[0], "close names the conversation").toEqual({ id: "c1" });
    await page.getByRole("button", { name: "Reopen" }).click();
    await waitForCall(page, "reopen_conversation");
    await page.getByRole("button", { name: "Snooze", exact: true }).click();
    await page.getByRole("menuitem", { name: /Tomorrow/ }).click();
    const [snooze] = await waitForCall(page, "snooze_conversation");
    const tomorrow = new Date();
    tomorrow.setDate(tomorrow.getDate() + 1);
    tomorrow.setHours(9, 0, 0, 0);
    expect(snooze?.until, "tomorrow is tomorrow at 09:00 local").toBe(tomorrow.getTime() / 1000);
    await page.getByRole("button", { name: "Assign", exact: true }).click();
    await page.getByRole("menuitem", { name: "Technical" }).click();
    expect((await waitForCall(page, "assign_conversation"))[0]?.assignee, "assigning to a team sends its id").toEqual({ kind: "team", id: "t2" });
    await page.getByRole("button", { name: "Assign", exact: true }).click();
    await page.getByRole("menuitem", { name: "Nobody" }).click();
    expect((await waitForCall(page, "assign_conversation", 2))[1]?.assignee, "nobody unassigns").toEqual({ kind: "nobody" });
    await page.getByRole("button", { name: "Mark unread" }).click();
    expect((await waitForCall(page, "mark_unread"))[0]).toEqual({ id: "c1" });
    expect(page.pageErrors, "no uncaught errors").toEqual([]);
    await page.close();
  });
});
