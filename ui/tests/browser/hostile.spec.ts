// Suite 5 of the reliability issue in Chromium: the hostile corpus
// (tests/reliability/hostile/payloads.txt) rendered by the real UI. Message bodies are what
// the Rust sanitizer makes of each payload (tests/reliability/hostile/sanitized.json, kept
// equal to the sanitizer's output by a Rust test); contact names, subjects, company,
// location, custom attributes and event names and metadata carry the raw payloads, as the
// cache stores them. A hook detects execution (each payload records its number in
// window.__xh) and every request that leaves the page's own server is counted.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openFake, start, type Harness } from "./harness";

const HOSTILE = join(import.meta.dirname, "..", "..", "..", "tests", "reliability", "hostile");

interface Fixture {
  trap: string;
  entries: { n: number; payload: string; html: string }[];
}

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.close();
});

describe("hostile content", () => {
  it("executes nothing and loads nothing remote from 100+ payloads in messages, names and attributes", async () => {
    const fixture = JSON.parse(await readFile(join(HOSTILE, "sanitized.json"), "utf8")) as Fixture;
    const raw = fixture.entries.map((e) => e.payload);
    expect(raw.length, "the corpus holds at least 100 payloads").toBeGreaterThanOrEqual(100);

    const page = await openFake(h, { session: "demo" });
    const external: string[] = [];
    page.on("request", (r) => {
      const url = r.url();
      if (!url.startsWith(h.url) && !url.startsWith("data:") && !url.startsWith("blob:")) external.push(url);
    });
    await page.getByTestId("badge-mine").waitFor();
    await page.evaluate(
      ({ entries, raw }) => {
        type Any = Record<string, unknown>;
        const fake = (window as unknown as { __fake: { db: { conversations: Any[]; contacts: Any[] } } }).__fake;
        const c = fake.db.conversations[0]!;
        const contact = fake.db.contacts.find((p) => p.id === c.contactId)!;
        const pick = (i: number) => raw[i % raw.length]!;
        c.subject = pick(0);
        c.snippet = pick(1);
        c.contactName = pick(2);
        c.parts = entries
          .map((e, i) => ({ id: `h${i}`, kind: "message", authorKind: "contact", authorName: pick(i + 3), createdAt: 1000 + i, bodyHtml: e.html, eventText: null, attachments: [], redacted: false }))
          .concat([{ id: "h-end", kind: "message", authorKind: "contact", authorName: "end", createdAt: 5000, bodyHtml: "<p>hostile-corpus-end</p>", eventText: null, attachments: [], redacted: false }]);
        contact.name = pick(4);
        contact.email = `${pick(5)}@x.test`;
        contact.company = pick(6);
        contact.location = pick(7);
        contact.customAttributes = raw.map((p, i) => ({ key: pick(i + 8), value: p }));
        contact.events = raw.slice(0, 30).map((p, i) => ({ name: p, createdAt: 2000 + i, metadata: [{ key: pick(i + 9), value: p }] }));
        // Other rows of the list carry payloads in their subjects and names too.
        fake.db.conversations.slice(1, 40).forEach((row, i) => {
          row.subject = pick(i + 10);
          row.contactName = pick(i + 50);
          row.snippet = pick(i + 90);
        });
      },
      { entries: fixture.entries, raw },
    );
    // Re-render the list with the hostile rows, then open the conversation.
    await page.getByTestId("badge-unassigned").click();
    await page.getByTestId("badge-mine").click();
    await page.locator("[role=option][data-id=c1]").click();
    await page.getByTestId("thread").getByText("hostile-corpus-end").waitFor();
    // Bring each image into view in turn (they are lazy) until every one has loaded or failed,
    // so any onload or onerror would have fired.
    await page
      .waitForFunction(() => {
        const pending = Array.from(document.images).filter((i) => !i.complete);
        pending[0]?.scrollIntoView();
        return pending.length === 0;
      })
      .catch(async (e: unknown) => {
        const pending = await page.evaluate(() => Array.from(document.images).filter((i) => !i.complete).map((i) => i.outerHTML));
        throw new Error(`images never settled: ${pending.join("\n")}`, { cause: e });
      });
    const executed = await page.evaluate(() => (window as unknown as { __xh?: number[] }).__xh ?? []);
    const shown = await page.getByTestId("thread").locator("[data-kind=customer]").count();
    console.log(
      `figure: hostile (Chromium): payloads ${raw.length} in messages (sanitized), names, subjects, attributes and events (raw); parts shown ${shown}; executions ${executed.length}; remote loads before a click ${external.length}`,
    );
    expect(shown, "every hostile message is rendered").toBeGreaterThanOrEqual(raw.length);
    expect(executed, "no payload may run in the window").toEqual([]);
    expect(external, "nothing may load from a remote server before a click on Load images").toEqual([]);
    expect(page.pageErrors, "rendering hostile content throws nothing").toEqual([]);
    await page.close();
  });
});
