// Tags (issue 14): tagging and untagging by keyboard (t, Shift+T, Delete on a chip) and from
// the palette, chips on rows and in the thread, a tag's view, and a tag removed in Intercom.
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
type Fake = { __fake: { db: { tags: { id: string; name: string }[]; conversations: { id: string; tags: { id: string }[] }[] } } };

async function openFirst(page: Page) {
  await page.locator("[role=option][data-id=c1]").click();
  await page.getByRole("article").waitFor();
}
const threadTags = (page: Page) => page.getByRole("article").getByRole("list", { name: "Tags" }).getByRole("listitem");
const rowTags = (page: Page, id: string) => page.locator(`[data-testid=conversation-list] [role=option][data-id=${id}] [data-tag]`);

describe("tags", () => {
  it("t opens the picker, typing filters, Enter tags; the chip shows in the thread and on the row", async () => {
    const page = await openFake(h, { session: "demo" });
    await openFirst(page);
    expect(await threadTags(page).count(), "c1 starts with no tag").toBe(0);
    await page.keyboard.press("t");
    const picker = page.getByRole("dialog", { name: "Tag" });
    await picker.waitFor();
    await page.keyboard.type("chu");
    expect(await picker.getByRole("option").allTextContents(), "typing filters the workspace's tags").toEqual(["Churn risk"]);
    await page.keyboard.press("Enter");
    await picker.waitFor({ state: "detached" });
    expect((await waitForCall(page, "tag_item"))[0]).toEqual({ kind: "conversation", id: "c1", tagId: "g5" });
    await threadTags(page).filter({ hasText: "Churn risk" }).waitFor();
    await rowTags(page, "c1").filter({ hasText: "Churn risk" }).waitFor();

    await page.keyboard.press("t");
    await picker.waitFor();
    expect(await picker.getByRole("option").allTextContents(), "an applied tag is not offered again").not.toContain("Churn risk");
    await page.keyboard.press("Enter");
    await waitForCall(page, "tag_item", 2);
    await page.waitForFunction(() => document.querySelectorAll("article [role=list][aria-label=Tags] [role=listitem]").length === 2);
    await page.close();
  });

  it("a chip is removed by Delete on it, or by Shift+T and Enter", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.evaluate(() => {
      const db = (window as unknown as Fake).__fake.db;
      db.conversations[0]!.tags = [db.tags[0]!, db.tags[2]!];
    });
    await openFirst(page);
    await threadTags(page).nth(1).waitFor();
    await page.getByRole("article").getByRole("button", { name: "VIP", exact: true }).focus();
    await page.keyboard.press("Delete");
    expect((await waitForCall(page, "untag_item"))[0], "Delete on a focused chip removes that tag").toEqual({ kind: "conversation", id: "c1", tagId: "g1" });
    await page.waitForFunction(() => document.querySelectorAll("article [role=list][aria-label=Tags] [role=listitem]").length === 1);

    await page.locator("body").focus();
    await page.keyboard.press("Shift+T");
    const picker = page.getByRole("dialog", { name: "Remove tag" });
    await picker.waitFor();
    expect(await picker.getByRole("option").allTextContents(), "only the applied tags are offered").toEqual(["Refund"]);
    await page.keyboard.press("Enter");
    expect((await waitForCall(page, "untag_item", 2))[1]).toEqual({ kind: "conversation", id: "c1", tagId: "g3" });
    await threadTags(page).first().waitFor({ state: "detached" });
    await page.close();
  });

  it("the palette tags and untags, and goes to a tag's view; clicking a tag goes there too", async () => {
    const page = await openFake(h, { session: "demo" });
    await openFirst(page);
    const palette = page.getByRole("dialog", { name: "Command palette" });
    await page.keyboard.press("Control+k");
    await page.keyboard.type("Tag…");
    await page.keyboard.press("Enter");
    await palette.waitFor({ state: "detached" });
    await page.getByRole("dialog", { name: "Tag" }).waitFor();
    await page.keyboard.type("onboard");
    await page.keyboard.press("Enter");
    expect((await waitForCall(page, "tag_item"))[0]).toEqual({ kind: "conversation", id: "c1", tagId: "g6" });
    await threadTags(page).filter({ hasText: "Onboarding" }).waitFor();

    await page.keyboard.press("Control+k");
    await page.keyboard.type("remove tag");
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "Remove tag" }).waitFor();
    await page.keyboard.press("Enter");
    expect((await waitForCall(page, "untag_item"))[0]).toEqual({ kind: "conversation", id: "c1", tagId: "g6" });

    await page.keyboard.press("Control+k");
    await page.keyboard.type("go to tag vip");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector("[aria-current=page]")?.getAttribute("data-view") === "tag:g1");
    expect((await calls(page, "list_conversations")).at(-1)?.[1], "the tag's view is the backend's").toMatchObject({ view: "tag:g1" });
    await page.locator("[data-testid=conversation-list] [role=option][data-id]").first().waitFor();
    const rows = page.locator("[data-testid=conversation-list] [role=option][data-id]");
    const tagged = await rows.evaluateAll((els) => els.map((e) => !!e.querySelector("[data-tag=g1]")));
    expect(tagged.length).toBeGreaterThan(0);
    expect(tagged.every(Boolean), "every row in the view carries the tag").toBe(true);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toContain("Tag: VIP");

    // Tagging the open conversation (not in this view) brings it into the view.
    expect(await rows.and(page.locator("[data-id=c1]")).count(), "c1 is not tagged VIP yet").toBe(0);
    await page.keyboard.press("t");
    await page.keyboard.type("vip");
    await page.keyboard.press("Enter");
    await page.locator("[data-testid=conversation-list] [role=option][data-id=c1]").waitFor();

    // A tag on a row is a shortcut to its view.
    await rows.locator("[data-tag]:not([data-tag=g1]) button").first().click();
    await page.waitForFunction(() => /^tag:g(?!1$)/.test(document.querySelector("[aria-current=page]")?.getAttribute("data-view") ?? ""));
    await page.close();
  });

  it("a tag removed in Intercom is not_found: the thread says so and the tag list is read again", async () => {
    const page = await openFake(h, { session: "demo" });
    await openFirst(page);
    await waitForCall(page, "list_tags");
    await page.keyboard.press("t");
    await page.getByRole("dialog", { name: "Tag" }).waitFor();
    // The sync removed it from the cache after the picker was filled.
    await page.evaluate(() => {
      const db = (window as unknown as Fake).__fake.db;
      db.tags = db.tags.filter((t) => t.id !== "g2");
    });
    await page.keyboard.type("bug");
    await page.keyboard.press("Enter");
    await page.getByRole("article").getByRole("alert").filter({ hasText: "That tag was deleted in Intercom; pick another one." }).waitFor();
    await waitForCall(page, "list_tags", 2);
    await page.keyboard.press("t");
    expect(await page.getByRole("dialog", { name: "Tag" }).getByRole("option").allTextContents(), "the gone tag is no longer offered").not.toContain("Bug");
    await page.close();
  });
});
