// Priority, the Priority-first sort, conversation attributes, and an action while offline
// (issue 14).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, emitEvent, openFake, start, waitForCall, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.close();
});

type Page = Awaited<ReturnType<typeof openFake>>;
type Fake = { __fake: { setOnline(online: boolean): void; db: { conversations: { id: string; priority: boolean }[] } } };

const row = (page: Page, id: string) => page.locator(`[data-testid=conversation-list] [role=option][data-id=${id}]`);

async function openFirst(page: Page) {
  await row(page, "c1").click();
  await page.getByRole("article").waitFor();
}

describe("priority", () => {
  it("p marks priority (a labelled marker on the row and in the thread) and p again removes it", async () => {
    const page = await openFake(h, { session: "demo" });
    await openFirst(page);
    const article = page.getByRole("article");
    expect(await article.getByRole("img", { name: "Priority" }).count(), "c1 starts without priority").toBe(0);
    await page.keyboard.press("p");
    expect((await waitForCall(page, "set_priority"))[0]).toEqual({ id: "c1", priority: true });
    await article.getByRole("img", { name: "Priority" }).waitFor();
    await row(page, "c1").getByRole("img", { name: "Priority" }).waitFor();
    expect(await article.getByRole("button", { name: "Remove priority" }).getAttribute("aria-pressed")).toBe("true");

    await page.keyboard.press("p");
    expect((await waitForCall(page, "set_priority", 2))[1]).toEqual({ id: "c1", priority: false });
    await row(page, "c1").getByRole("img", { name: "Priority" }).waitFor({ state: "detached" });

    await page.keyboard.press("Control+k");
    await page.keyboard.type("mark priority");
    await page.keyboard.press("Enter");
    expect((await waitForCall(page, "set_priority", 3))[2], "the palette toggles it too").toEqual({ id: "c1", priority: true });
    await page.close();
  });

  it("Priority first puts priority conversations on top, for every view, for the session", async () => {
    const page = await openFake(h, { session: "demo" });
    await row(page, "c1").waitFor();
    const sort = page.getByRole("combobox", { name: "Sort conversations" });
    expect(await sort.inputValue()).toBe("recent");
    await sort.selectOption({ label: "Priority first" });
    await page.waitForFunction(() => document.querySelector("[data-testid=conversation-list] [aria-posinset='1'] [aria-label=Priority]") !== null);
    expect((await calls(page, "list_conversations")).at(-1)?.[1], "the backend sorts").toMatchObject({ view: "mine", sort: "priority_first" });
    const flags = await page.locator("[data-testid=conversation-list] [role=option][data-id]").evaluateAll((els) => els.map((e) => !!e.querySelector("[aria-label=Priority]")));
    expect(flags.indexOf(false), "priority rows first, then the rest").toBeGreaterThan(0);
    expect(flags.slice(flags.indexOf(false)).includes(true), "no priority row after the first ordinary one").toBe(false);

    await page.getByRole("button", { name: /Unassigned/ }).click();
    await page.waitForFunction(() => document.querySelector("[aria-current=page]")?.getAttribute("data-view") === "unassigned");
    await waitForCall(page, "list_conversations", 3);
    expect((await calls(page, "list_conversations")).at(-1)?.[1], "another view keeps the order").toMatchObject({ view: "unassigned", sort: "priority_first" });

    await page.reload();
    await page.locator("[data-testid=conversation-list] [role=option][data-id]").first().waitFor();
    expect(await page.getByRole("combobox", { name: "Sort conversations" }).inputValue(), "remembered for the session").toBe("priority_first");
    expect((await calls(page, "list_conversations"))[0]?.[1]).toMatchObject({ sort: "priority_first" });
    await page.close();
  });

  it("offline, a priority change shows pending at once and goes when back online", async () => {
    const page = await openFake(h, { session: "demo" });
    await openFirst(page);
    await page.evaluate(() => (window as unknown as Fake).__fake.setOnline(false));
    await page.keyboard.press("p");
    const item = page.getByTestId("outbox-item").filter({ hasText: "Mark priority" });
    await item.waitFor();
    expect(await item.textContent(), "the thread says it waits").toContain("Queued, offline");
    await row(page, "c1").getByText("Sending").waitFor();
    await row(page, "c1").getByRole("img", { name: "Priority" }).waitFor();
    await page.evaluate(() => (window as unknown as Fake).__fake.setOnline(true));
    await item.waitFor({ state: "detached" });
    await row(page, "c1").getByText("Sending").waitFor({ state: "detached" });
    await page.close();
  });
});

describe("conversation attributes", () => {
  it("are edited in the side panel by type, with bad values refused beside the field", async () => {
    const page = await openFake(h, { session: "demo" });
    await openFirst(page);
    const panel = page.getByRole("region", { name: "Conversation attributes" });
    await panel.waitFor();
    const seats = panel.getByRole("textbox", { name: "Seats" });
    await seats.fill("twelve");
    await seats.press("Enter");
    await panel.getByText("Seats takes a whole number, like 42.").waitFor();
    expect(await seats.inputValue()).toBe("twelve");
    expect(await calls(page, "update_conversation_attributes")).toHaveLength(0);
    await seats.fill("12");
    await seats.press("Tab");
    expect((await waitForCall(page, "update_conversation_attributes"))[0], "leaving the field saves it").toEqual({ id: "c1", attributes: [{ name: "seats", value: 12 }] });

    const amount = panel.getByRole("textbox", { name: "Refund amount" });
    await amount.fill("19,90");
    await amount.press("Enter");
    expect((await waitForCall(page, "update_conversation_attributes", 2))[1]).toEqual({ id: "c1", attributes: [{ name: "refund_amount", value: 19.9 }] });

    await panel.getByRole("combobox", { name: "Issue type" }).selectOption("Account");
    expect((await waitForCall(page, "update_conversation_attributes", 3))[2]).toEqual({ id: "c1", attributes: [{ name: "issue_type", value: "Account" }] });
    expect(await panel.getByRole("combobox", { name: "Issue type" }).locator("option").allTextContents(), "a required list offers no empty choice").not.toContain("—");

    await panel.getByRole("checkbox", { name: "VIP" }).check();
    expect((await waitForCall(page, "update_conversation_attributes", 4))[3]).toEqual({ id: "c1", attributes: [{ name: "vip", value: true }] });

    const when = panel.getByLabel("Follow up at");
    await when.fill("2026-12-24T09:30");
    expect((await waitForCall(page, "update_conversation_attributes", 5))[4]).toEqual({ id: "c1", attributes: [{ name: "follow_up_at", value: new Date(2026, 11, 24, 9, 30).getTime() / 1000 }] });
    expect(await panel.getByRole("textbox", { name: "Source" }).count(), "a read-only attribute has no field").toBe(0);
    expect(await panel.textContent()).toContain("Messenger");
    await page.close();
  });

  it("a narrow window reaches them through Details", async () => {
    const page = await openFake(h, { session: "demo", viewport: { width: 1000, height: 700 } });
    await openFirst(page);
    const panel = page.getByRole("region", { name: "Conversation attributes" });
    expect(await panel.isVisible(), "the side panel is hidden at this width").toBe(false);
    const details = page.getByRole("button", { name: "Details" });
    await details.click();
    await panel.waitFor({ state: "visible" });
    expect(await details.getAttribute("aria-expanded")).toBe("true");
    await panel.getByRole("textbox", { name: "Order number" }).fill("ORD-9");
    await panel.getByRole("textbox", { name: "Order number" }).press("Enter");
    expect((await waitForCall(page, "update_conversation_attributes"))[0]).toEqual({ id: "c1", attributes: [{ name: "order_number", value: "ORD-9" }] });
    await page.close();
  });

  it("typing_lost_on_refetch: a refresh of the open conversation keeps what the agent is typing", async () => {
    const page = await openFake(h, { session: "demo" });
    await openFirst(page);
    const order = page.getByRole("region", { name: "Conversation attributes" }).getByRole("textbox", { name: "Order number" });
    await order.click();
    await order.fill("ORD-77");
    const reads = (await calls(page, "get_conversation")).length;
    await emitEvent(page, "inbox://changed", { conversationIds: ["c1"] });
    await waitForCall(page, "get_conversation", reads + 1);
    await page.getByRole("article").waitFor();
    expect(await order.inputValue(), "the field still holds the agent's text").toBe("ORD-77");
    expect(await calls(page, "update_conversation_attributes"), "and nothing was saved behind their back").toHaveLength(0);
    await page.close();
  });
});
