// SLA countdowns (issue 14) on rows and in the thread, moved by Playwright's clock: the
// window's one timer drives them all; hit and missed read as words.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emitEvent, openFake, start, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.close();
});

type Fake = { __fake: { db: { conversations: { id: string; sla: unknown }[] } } };
const START = new Date(2026, 5, 1, 10, 0, 0).getTime();

describe("sla", () => {
  it("counts down live while active, then counts overdue; the row and the thread agree", async () => {
    const page = await openFake(h, { session: "demo", clockAt: START, countIntervals: true });
    await page.locator("[role=option][data-id]").nth(3).waitFor();
    // The first four rows of Your inbox: one SLA of each kind.
    const [a, b, c, d] = await page.locator("[role=option][data-id]").evaluateAll((rows) => rows.slice(0, 4).map((r) => r.getAttribute("data-id")!));
    await page.evaluate(
      ([now, ids]) => {
        const db = (window as unknown as Fake).__fake.db;
        const set = (id: string, sla: unknown) => (db.conversations.find((x) => x.id === id)!.sla = sla);
        set(ids[0]!, { name: "First response", status: "active", dueAt: Math.floor(now / 1000) + 12 * 60 + 30 });
        set(ids[1]!, { name: "Next response", status: "missed", dueAt: Math.floor(now / 1000) - 600 });
        set(ids[2]!, { name: "Resolution", status: "hit", dueAt: Math.floor(now / 1000) - 600 });
        set(ids[3]!, { name: "Resolution", status: "cancelled", dueAt: Math.floor(now / 1000) + 600 });
      },
      [START, [a!, b!, c!, d!]] as const,
    );
    await emitEvent(page, "inbox://changed", { conversationIds: [a, b, c, d] });
    const rowSla = (id: string) => page.locator(`[data-testid=conversation-list] [data-id=${id}] [data-testid=sla]`);
    await page.waitForFunction((id) => document.querySelector(`[data-id=${id}] [data-testid=sla]`)?.textContent === "due in 12m", a);
    expect(await rowSla(a!).getAttribute("aria-label"), "the SLA is named for screen readers").toBe("First response: due in 12m");
    expect(await rowSla(b!).textContent()).toBe("SLA missed");
    expect(await rowSla(c!).textContent()).toBe("SLA hit");
    expect(await rowSla(d!).count(), "a cancelled SLA shows nothing").toBe(0);
    const active = await page.locator("[data-testid=sla]").evaluateAll((els) => els.filter((e) => /due in|overdue/.test(e.textContent ?? "")).length);
    expect(active, "several countdowns are on screen").toBeGreaterThan(2);
    expect(await page.evaluate(() => (window as unknown as { __intervals: Set<unknown> }).__intervals.size), "one shared timer drives them all, not one per row").toBe(1);

    await page.locator(`[role=option][data-id=${a}]`).click();
    const threadSla = page.getByRole("article").getByTestId("sla");
    await threadSla.waitFor();
    expect(await threadSla.textContent()).toBe("due in 12m");

    await page.clock.fastForward("05:00");
    await page.waitForFunction((id) => document.querySelector(`[data-id=${id}] [data-testid=sla]`)?.textContent === "due in 7m", a);
    expect(await threadSla.textContent(), "the thread follows the same clock").toBe("due in 7m");

    await page.clock.fastForward("11:00");
    await page.waitForFunction((id) => document.querySelector(`[data-id=${id}] [data-testid=sla]`)?.textContent === "overdue 3m", a);
    expect(await threadSla.textContent()).toBe("overdue 3m");
    expect(await rowSla(b!).textContent(), "a settled SLA does not count").toBe("SLA missed");
    await page.close();
  });
});
