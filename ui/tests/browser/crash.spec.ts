// The previous run's crash, as get_app_info reports it: one line over whatever screen the
// app starts on, saying it stopped unexpectedly and where the log is, until dismissed; none
// when the last run ended normally.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openFake, start, waitForCall, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.close();
});

const LOG = "/home/agent/.local/share/dev.agentdesk.app/logs/agentdesk.log.2026-12-07";

describe("crash notice", () => {
  it("says the last run stopped unexpectedly and where its log is, over the inbox", async () => {
    const page = await openFake(h, { session: "demo", lastCrash: { at: 1_796_000_000, logFile: LOG } });
    const notice = page.getByRole("alert").filter({ hasText: "stopped unexpectedly" });
    await notice.waitFor();
    const text = (await notice.textContent()) ?? "";
    expect(text, "the agent learns the app crashed, not just that something is odd").toContain("Agentdesk stopped unexpectedly");
    expect(text, "and where the report is, for a bug report").toContain(LOG);
    await page.getByTestId("badge-mine").waitFor();
    await notice.getByRole("button", { name: "Dismiss" }).click();
    await notice.waitFor({ state: "detached" });
    expect(page.pageErrors, "no page error").toEqual([]);
    await page.close();
  });

  it("shows on the connect screen too", async () => {
    const page = await openFake(h, { lastCrash: { at: 1_796_000_000, logFile: LOG } });
    await page.getByRole("alert").filter({ hasText: "stopped unexpectedly" }).waitFor();
    await page.close();
  });

  it("says nothing after a normal run", async () => {
    const page = await openFake(h, { session: "demo" });
    await waitForCall(page, "get_app_info");
    await page.getByTestId("badge-mine").waitFor();
    expect(await page.getByTestId("crash-notice").count(), "no crash, no notice").toBe(0);
    await page.close();
  });
});
