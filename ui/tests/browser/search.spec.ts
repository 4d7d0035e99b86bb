// Search over the cache: results as you type, matches in <mark> as text, the same offline.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openFake, start, waitForCall, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.close();
});

describe("search", () => {
  it("highlights the matching words and opens a hit", async () => {
    const page = await openFake(h, { session: "demo", online: false });
    await page.locator("[role=option][data-id]").first().waitFor();
    await page.keyboard.press("/");
    await page.keyboard.type("refund");
    const results = page.getByRole("listbox", { name: "Search results" });
    await results.getByRole("option").first().waitFor();
    // Typing is not atomic: a hit list for "refu" may show first; wait for the whole word's.
    await page.waitForFunction(() => {
      const marks = [...document.querySelectorAll("#search-results mark")];
      return marks.length > 0 && marks.every((m) => m.textContent!.length >= "refund".length);
    });
    const marks = await results.locator("mark").allTextContents();
    expect(marks.length, "every hit shows its match").toBe(await results.getByRole("option").count());
    expect(marks.every((m) => m.toLowerCase() === "refund"), "only the matching word is marked").toBe(true);
    await page.keyboard.press("Enter");
    await waitForCall(page, "mark_read");
    await page.getByRole("article").waitFor();
    await page.close();
  });

  it("renders snippet segments as text, never as HTML", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.locator("[role=option][data-id]").first().waitFor();
    await page.evaluate(() => {
      const c = (window as unknown as { __fake: { db: { conversations: { subject: string }[] } } }).__fake.db.conversations[0]!;
      c.subject = 'Hi <img src=x onerror="document.title=1"><b>zebra</b>';
    });
    await page.getByRole("combobox", { name: "Search conversations" }).fill("zebra");
    const results = page.getByRole("listbox", { name: "Search results" });
    await results.locator("mark").first().waitFor();
    expect(await results.locator("img, b").count(), "markup in a snippet stays text").toBe(0);
    expect(await results.locator("mark").first().textContent(), "the match is the word").toBe("zebra");
    expect(await results.textContent(), "the raw text is shown as typed").toContain("<img src=x");
    await page.close();
  });
});
