// Drafts that survive (issue 22): the composer's text is kept in the workspace's cache as the
// agent types, an earlier run's drafts come back in their conversations (as after a crash or
// an update), sending consumes the draft, and a draft is only ever saved into its own
// workspace.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, openFake, start, waitForCall, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.close();
});

type Fake = { __fake: { db: { drafts: Map<string, { id: string; kind: string; text: string }> } } };
type Page = Awaited<ReturnType<typeof openFake>>;

async function open(page: Page, id: string) {
  await page.locator(`[role=option][data-id=${id}]`).click();
  await page.waitForFunction((id) => document.querySelector("[role=option].open")?.getAttribute("data-id") === id, id);
  await page.getByTestId("composer").waitFor();
}

const kept = (page: Page, key: string) =>
  page.evaluate((k) => {
    const d = (window as unknown as Fake).__fake.db.drafts.get(k);
    return d ? { kind: d.kind, text: d.text } : null;
  }, key);

describe("drafts", () => {
  it("keeps the composer's text in the cache as the agent types, and sending consumes it", async () => {
    const page = await openFake(h, { session: "demo" });
    await open(page, "c1");
    const reply = page.getByRole("textbox", { name: "Reply to the customer" });
    await reply.fill("Half of an answer");
    const [saved] = await waitForCall(page, "save_draft");
    expect(saved, "kept after a pause, in this workspace, as a reply").toEqual({ workspaceId: "demo", id: "c1", kind: "comment", text: "Half of an answer" });
    expect(await kept(page, "demo/c1"), "the cache holds it: a crash now loses nothing").toEqual({ kind: "comment", text: "Half of an answer" });

    // Leaving the conversation keeps the latest text at once, without waiting for a pause.
    await page.getByRole("radio", { name: "Note" }).click();
    await page.getByRole("textbox", { name: /Note/ }).fill("Half of a note");
    await open(page, "c2");
    expect(await kept(page, "demo/c1"), "the mode and the last words are kept when the agent moves on").toEqual({ kind: "note", text: "Half of a note" });

    await open(page, "c1");
    const note = page.getByRole("textbox", { name: /Note/ });
    expect(await note.inputValue(), "coming back finds the draft as it was left").toBe("Half of a note");
    await note.press("Control+Enter");
    await waitForCall(page, "send_reply");
    await page.waitForFunction(() => !(window as unknown as Fake).__fake.db.drafts.has("demo/c1"));
    const before = (await calls(page, "save_draft")).length;
    await page.locator("[role=option][data-id=c2]").click();
    await page.waitForFunction(() => document.querySelector("[role=option].open")?.getAttribute("data-id") === "c2");
    await open(page, "c1");
    expect(await note.inputValue().catch(() => ""), "a sent note does not come back as a draft").toBe("");
    expect(await reply.inputValue(), "nor as a reply").toBe("");
    expect(await kept(page, "demo/c1"), "and the cache holds none for it").toBeNull();
    expect((await calls(page, "save_draft")).slice(before).every((c) => (c[1] as { text: string }).text === ""), "nothing saves the sent text again").toBe(true);
    await page.close();
  });

  it("restores an earlier run's drafts, each in its conversation with its mode", async () => {
    const page = await openFake(h, {
      session: "demo",
      drafts: {
        "demo/c2": { id: "c2", kind: "note", text: "Before the crash: check the invoice", updatedAt: 1 },
        "other/c2": { id: "c2", kind: "comment", text: "another workspace's draft", updatedAt: 2 },
      },
    });
    await waitForCall(page, "list_drafts");
    await open(page, "c2");
    expect(await page.getByRole("textbox", { name: /Note/ }).inputValue(), "the note typed before the crash is back, still a note").toBe("Before the crash: check the invoice");
    await open(page, "c1");
    expect(await page.getByRole("textbox", { name: "Reply to the customer" }).inputValue(), "a conversation without a draft starts empty").toBe("");
    await page.close();
  });
});
