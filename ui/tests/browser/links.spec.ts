// agentdesk:// links in the window (app://open-conversation with fromLink): a link can come
// from anyone, so its text never replaces an unsent draft (the composer offers it and the
// agent chooses), and opening through a link does not mark the conversation read; the
// agent's own open (a row, a notification click) does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, emitEvent, openFake, start, waitForCall, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.close();
});

type Fake = { __fake: { db: { conversations: Record<string, unknown>[] } } };

describe("agentdesk:// links", () => {
  it("draft_overwritten_by_link: an unsent draft stays and the link's text is offered", async () => {
    const page = await openFake(h, { session: "demo" });
    const open = async (id: string) => {
      await page.locator(`[role=option][data-id=${id}]`).click();
      await page.waitForFunction((id) => document.querySelector("[role=option].open")?.getAttribute("data-id") === id, id);
      await page.getByTestId("composer").waitFor();
    };
    const reply = page.getByRole("textbox", { name: "Reply to the customer" });
    const note = page.getByRole("textbox", { name: /Note/ });
    const offer = page.getByRole("group", { name: "Text from a link" });
    const [a, b, c, d] = await rowIds(page);

    // The open conversation: the draft stays, the link's text waits beside it.
    await open(a);
    await reply.fill("My own half answer");
    await emitEvent(page, "app://open-conversation", { id: a, prefill: "Please pay at evil.example", fromLink: true });
    await offer.waitFor();
    expect(await offer.getByTestId("offered-text").textContent(), "the agent sees the link's text before anything uses it").toBe("Please pay at evil.example");
    expect(await reply.inputValue(), "the unsent draft is not overwritten").toBe("My own half answer");
    await offer.getByRole("button", { name: "Add below my draft" }).click();
    expect(await reply.inputValue(), "added on the agent's word, under the draft").toBe("My own half answer\n\nPlease pay at evil.example");
    expect(await offer.count(), "answered: the offer goes").toBe(0);

    // A conversation waiting with a draft (a note): the link opens it and offers its text.
    await open(b);
    await page.getByRole("radio", { name: "Note" }).click();
    await note.fill("Internal: refund approved");
    await open(c);
    await emitEvent(page, "app://open-conversation", { id: b, prefill: "Text from a link", fromLink: true });
    await page.waitForFunction((id) => document.querySelector("[role=option].open")?.getAttribute("data-id") === id, b);
    await offer.waitFor();
    expect(await note.inputValue(), "the saved draft comes back as it was, still a note").toBe("Internal: refund approved");
    await offer.getByRole("button", { name: "Ignore the link's text" }).click();
    expect(await note.inputValue(), "ignored: the draft is untouched").toBe("Internal: refund approved");

    // Replacing is the agent's choice too, and makes it a reply.
    await emitEvent(page, "app://open-conversation", { id: b, prefill: "Use this instead", fromLink: true });
    await offer.getByRole("button", { name: "Replace my draft" }).click();
    expect(await reply.inputValue(), "replaced on the agent's word, as a reply").toBe("Use this instead");

    // With nothing unsent there is nothing to lose: the text goes straight in.
    await open(c);
    await emitEvent(page, "app://open-conversation", { id: d, prefill: "Hello from the link", fromLink: true });
    await page.waitForFunction((id) => document.querySelector("[role=option].open")?.getAttribute("data-id") === id, d);
    await expect.poll(() => reply.inputValue(), { message: "an empty composer takes the link's text", timeout: 5_000 }).toBe("Hello from the link");
    expect(await offer.count(), "no offer when no draft is in the way").toBe(0);
    expect(await calls(page, "send_reply"), "a link never sends").toHaveLength(0);
    expect(page.pageErrors, "no uncaught errors").toEqual([]);
    await page.close();
  });

  it("link_marked_the_conversation_read: a link shows it unread; the agent's own open reads it", async () => {
    const page = await openFake(h, { session: "demo" });
    const [linked, clicked] = await rowIds(page);
    const unread = (id: string) =>
      page.evaluate((id) => (window as unknown as Fake).__fake.db.conversations.find((c) => c.id === id)!.unread, id);
    await page.evaluate((id) => ((window as unknown as Fake).__fake.db.conversations.find((c) => c.id === id)!.unread = true), linked);

    await emitEvent(page, "app://open-conversation", { id: linked, prefill: null, fromLink: true });
    expect((await waitForCall(page, "set_open_conversation"))[0], "the link opens its conversation").toEqual({ id: linked });
    await page.getByRole("article", { name: /Conversation with/ }).waitFor();
    // A customer message arriving while it is on screen does not read it either.
    await page.evaluate((id) => {
      const fake = (window as unknown as Fake & { __fake: { emit(e: string, p: unknown): void } }).__fake;
      const c = fake.db.conversations.find((c) => c.id === id)!;
      const parts = c.parts as Record<string, unknown>[];
      parts.push({ id: "live-link", kind: "message", authorKind: "contact", authorName: c.contactName, createdAt: Math.floor(Date.now() / 1000), bodyHtml: "<p>Anyone there?</p>", eventText: null, attachments: [], redacted: false });
      fake.emit("inbox://changed", { conversationIds: [id] });
    }, linked);
    await page.getByTestId("thread").getByText("Anyone there?").waitFor();
    expect(await calls(page, "mark_read"), "a link (anyone can make one) must not mark the conversation read").toHaveLength(0);
    expect(await unread(linked), "the backend (Intercom's side) still holds it unread").toBe(true);

    // The agent opens it by hand: now it is read.
    await page.locator(`[role=option][data-id=${linked}]`).click();
    expect((await waitForCall(page, "mark_read"))[0], "the agent's own open reads it").toEqual({ id: linked });
    expect(await unread(linked), "and the backend holds it read").toBe(false);

    // A notification click is the agent's own too.
    await emitEvent(page, "app://open-conversation", { id: clicked, prefill: null, fromLink: false });
    expect((await waitForCall(page, "mark_read", 2))[1], "clicking a notification reads the conversation").toEqual({ id: clicked });
    expect(page.pageErrors, "no uncaught errors").toEqual([]);
    await page.close();
  });
});

/** The ids of the first four rows of the list the inbox opened on. */
async function rowIds(page: Awaited<ReturnType<typeof openFake>>): Promise<[string, string, string, string]> {
  await page.locator("[role=option][data-id]").nth(3).waitFor();
  const ids = await page.locator("[role=option][data-id]").evaluateAll((els) => els.slice(0, 4).map((e) => e.getAttribute("data-id") ?? ""));
  const [a = "", b = "", c = "", d = ""] = ids;
  return [a, b, c, d];
}
