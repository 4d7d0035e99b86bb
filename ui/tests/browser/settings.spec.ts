// Settings persist through update_settings, logout asks before dropping unsent items, the
// acting admin and About work from the main window; and the customer panel: Track event, and
// following the contact when the open conversation is read again.
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
const openSettings = async (page: Page) => {
  await page.getByRole("button", { name: "Settings", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Settings" });
  await dialog.getByLabel("Do not disturb").waitFor();
  return dialog;
};

describe("settings", () => {
  it("changes persist through update_settings and come back from get_settings", async () => {
    const page = await openFake(h, { session: "demo" });
    let dialog = await openSettings(page);
    await dialog.getByLabel("Do not disturb").check();
    expect((await waitForCall(page, "update_settings"))[0], "only the changed field is sent").toEqual({ settings: { doNotDisturb: true } });
    await dialog.getByLabel("Poll interval").selectOption("60");
    expect((await waitForCall(page, "update_settings", 2))[1], "the poll interval is a number of seconds").toEqual({ settings: { pollIntervalSecs: 60 } });
    await dialog.getByRole("group", { name: /Notify me/ }).getByLabel("Billing").check();
    const third = (await waitForCall(page, "update_settings", 3))[2] as { settings: { notifyViews: string[] } };
    expect(third.settings.notifyViews.sort(), "the followed views gain Billing").toEqual(["mine", "team:t1", "unassigned"]);
    for (const label of ["Start at login", "Start hidden in the tray", "Hide message text in notifications"]) {
      await dialog.getByLabel(label).check();
    }
    await waitForCall(page, "update_settings", 6);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });

    dialog = await openSettings(page);
    expect(await dialog.getByLabel("Do not disturb").isChecked(), "reopened settings show the saved value").toBe(true);
    expect(await dialog.getByLabel("Poll interval").inputValue()).toBe("60");
    expect(await dialog.getByLabel("Start at login").isChecked()).toBe(true);
    expect((await calls(page, "get_settings")).length, "the reopened panel read the backend again").toBe(2);
    await page.close();
  });

  it("offers only views that can notify: a customer message reopens a snoozed or closed conversation", async () => {
    const page = await openFake(h, { session: "demo" });
    const dialog = await openSettings(page);
    const choices = await dialog.getByRole("group", { name: /Notify me/ }).getByRole("checkbox").evaluateAll((els) => els.map((e) => e.parentElement!.textContent!.trim()));
    expect(choices, "the open views are offered, Snoozed and Closed are not (the shell never notifies for them)").toEqual(["Your inbox", "Unassigned", "Billing", "Technical", "All open"]);
    await page.close();
  });

  it("settings_scrolled_sideways_at_1200x780: the panel fits its width with the shipped saved replies", async () => {
    const page = await openFake(h, { session: "demo", viewport: { width: 1200, height: 780 } });
    await page.evaluate(() => {
      // The three saved replies a new install starts with (crates/app/src/saved_replies.rs).
      (window as unknown as { __fake: { db: { savedReplies: unknown[] } } }).__fake.db.savedReplies = [
        { id: "thanks", title: "Thanks for reaching out", body: "Thanks for reaching out! I'm looking into this now and will get back to you shortly." },
        { id: "more-info", title: "Ask for details", body: "Could you share a few more details (what you expected, what happened, and when)? That will help me sort this out quickly." },
        { id: "resolved", title: "Resolved", body: "This should be sorted now. If anything else comes up, just reply here." },
      ];
    });
    const dialog = await openSettings(page);
    await dialog.getByText("Ask for details").waitFor();
    await dialog.getByTestId("about-panel").locator("dl").waitFor();
    const box = await dialog.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(box.scroll, "no horizontal scrollbar: nothing in Settings is wider than the panel").toBeLessThanOrEqual(box.client);
    await page.close();
  });

  it("logout with unsent items asks for force, then logs out", async () => {
    const page = await openFake(h, { session: "demo", online: false });
    await page.locator("[role=option][data-id=c1]").click();
    const box = page.getByRole("textbox", { name: "Reply to the customer" });
    await box.fill("Queued while offline");
    await box.press("Control+Enter");
    await page.getByTestId("outbox-item").waitFor();
    const dialog = await openSettings(page);
    await dialog.getByRole("button", { name: "Log out…" }).click();
    await dialog.getByRole("group", { name: "Confirm log out" }).getByRole("button", { name: "Log out" }).click();
    const warning = dialog.getByRole("alertdialog", { name: "Unsent messages" });
    await warning.waitFor();
    expect(await warning.textContent(), "the backend's count of unsent items is shown").toContain("1 message not sent yet");
    expect((await calls(page, "logout"))[0]?.[1], "the first attempt is not forced").toEqual({ force: false });
    await warning.getByRole("button", { name: "Log out anyway" }).click();
    expect((await waitForCall(page, "logout", 2))[1], "log out anyway forces").toEqual({ force: true });
    await page.getByTestId("empty-state").waitFor();
    expect(await page.getByRole("heading", { level: 1 }).textContent(), "back on the connect screen").toBe("No workspace connected");
    await page.close();
  });

  it("switches the acting admin, shows About, and adds a workspace", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.getByTestId("about").click();
    await page.getByTestId("version").waitFor();
    expect(await page.getByTestId("version").textContent(), "About shows the backend's version").toBe("0.1.0");
    expect(await page.locator("[data-testid=about-panel] code").first().textContent(), "the first code is the data dir").toBe("/home/agent/.local/share/agentdesk");
    const dialog = page.getByRole("dialog", { name: "Settings" });
    await dialog.getByRole("combobox", { name: "Acting admin" }).selectOption("a2");
    expect((await waitForCall(page, "set_acting_admin"))[0]).toEqual({ adminId: "a2" });
    await page.getByRole("navigation", { name: "Views" }).getByText("as Sam Support").waitFor();
    await dialog.getByRole("button", { name: "Add a workspace…" }).click();
    await page.getByTestId("empty-state").waitFor();
    await page.getByRole("button", { name: "Back to inbox" }).click();
    await page.getByRole("navigation", { name: "Views" }).waitFor();
    await page.close();
  });
});

describe("saved replies", () => {
  it("are added and deleted in settings and offered in the composer", async () => {
    const page = await openFake(h, { session: "demo" });
    const dialog = await openSettings(page);
    await dialog.getByLabel("Saved reply title").fill("Thanks");
    await dialog.getByLabel("Saved reply text").fill("Thanks for your patience!");
    await dialog.getByRole("button", { name: "Save reply" }).click();
    const [saved] = await waitForCall(page, "save_saved_reply");
    expect((saved as { reply: { title: string; body: string } }).reply, "the new reply is saved as typed").toMatchObject({ title: "Thanks", body: "Thanks for your patience!" });
    await dialog.getByRole("button", { name: "Delete saved reply Need more details" }).click();
    expect((await waitForCall(page, "delete_saved_reply"))[0], "delete names the reply").toEqual({ id: "s2" });
    await page.keyboard.press("Escape");
    await page.locator("[role=option][data-id=c1]").click();
    const options = await page.getByLabel("Saved replies").locator("option").allTextContents();
    expect(options, "the composer offers the current list").toEqual(["Saved replies…", "Refund on its way", "Thanks"]);
    await page.close();
  });
});

describe("customer panel", () => {
  it("shows the contact and tracks a validated event", async () => {
    const page = await openFake(h, { session: "demo" });
    await page.locator("[role=option][data-id=c1]").click();
    const panel = page.getByRole("complementary", { name: "Customer" });
    await panel.getByText("ava.novak@customer.test").waitFor();
    expect(await panel.getByRole("table", { name: "Event summaries" }).textContent(), "summaries list each event").toContain("viewed-pricing");
    expect(await panel.getByText("plan", { exact: true }).count(), "custom attributes are listed").toBe(1);
    await panel.getByRole("button", { name: "Track event" }).click();
    await panel.getByRole("button", { name: "Track", exact: true }).click();
    await panel.getByText("Give the event a name.").waitFor();
    await panel.getByLabel("Event name").fill("upgraded-plan");
    await panel.getByLabel("Value 1").fill("pro");
    await panel.getByRole("button", { name: "Track", exact: true }).click();
    await panel.getByText("This value needs a key.").waitFor();
    expect(await calls(page, "track_event"), "invalid forms never reach the outbox").toHaveLength(0);
    await panel.getByLabel("Key 1").fill("plan");
    for (let i = 0; i < 9; i++) await panel.getByRole("button", { name: "Add pair" }).click();
    expect(await panel.getByRole("button", { name: "Add pair" }).isDisabled(), "ten pairs is the limit").toBe(true);
    await panel.getByRole("button", { name: "Track", exact: true }).click();
    const [args] = await waitForCall(page, "track_event");
    expect(args, "blank pairs are dropped, the rest sent").toEqual({ contactId: "u1", name: "upgraded-plan", metadata: [{ key: "plan", value: "pro" }] });
    await panel.getByRole("status").waitFor();
    await panel.locator(".timeline").getByText("upgraded-plan").waitFor();
    await page.close();
  });

  it("follows the contact when the open conversation is read again", async () => {
    // Opening makes the engine fetch the contact; the shell then says the conversation
    // changed. The panel must show what that fetch brought, not what the cache had at the
    // click, though the contact id is the same (the WebKit hostile-content test relies on it).
    const page = await openFake(h, { session: "demo" });
    await page.locator("[role=option][data-id=c1]").click();
    const panel = page.getByTestId("contact-panel");
    await panel.getByText("ava.novak@customer.test").waitFor();
    await page.evaluate(() => {
      type Any = Record<string, unknown>;
      const fake = (window as unknown as { __fake: { db: { conversations: Any[]; contacts: Any[] } } }).__fake;
      const c = fake.db.conversations.find((x) => x.id === "c1")!;
      const contact = fake.db.contacts.find((p) => p.id === c.contactId)!;
      contact.name = "Ava Renamed";
      contact.customAttributes = [{ key: "plan", value: "enterprise-fetched" }];
    });
    await emitEvent(page, "inbox://changed", { conversationIds: ["c1"] });
    await panel.getByText("Ava Renamed").waitFor();
    expect(await panel.textContent(), "the attributes come from the same fresh read").toContain("enterprise-fetched");
    await page.close();
  });
});
