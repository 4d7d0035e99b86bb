// The app shell in real Chromium with Tauri's IPC mocked: what renders before any
// workspace is connected, and that commands round-trip into the page.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp, start, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.close();
});

const APP_INFO = `
  if (cmd === "get_app_info") {
    state.calls = (state.calls ?? 0) + 1;
    return { name: "Agentdesk", version: "9.8.7", dataDir: "/tmp/data", logDir: "/tmp/data/logs", trayTooltip: "Agentdesk: 1 unread (Your inbox 1, Unassigned 0)" };
  }
  if (cmd === "get_session") return null;
  throw new Error("unexpected command " + cmd);
`;

describe("app shell", () => {
  it("shows the honest empty state when no workspace is connected", async () => {
    const page = await openApp(h, APP_INFO);
    // Without a workspace there is nothing to list; the page must say so, not spin.
    await page.getByTestId("empty-state").waitFor({ timeout: 10_000 });
    expect(await page.getByRole("heading").first().textContent()).toContain("No workspace connected");
    await page.close();
  });

  it("About shows the version the backend reports", async () => {
    const page = await openApp(h, APP_INFO);
    await page.getByTestId("about").click();
    await page.getByTestId("version").waitFor({ timeout: 10_000 });
    // Close and open again: the second opening must ask the backend afresh.
    await page.getByTestId("about").click();
    await page.getByTestId("about-panel").waitFor({ state: "detached", timeout: 10_000 });
    await page.getByTestId("about").click();
    const version = page.getByTestId("version");
    await version.waitFor({ timeout: 10_000 });
    // The version comes from the get_app_info command, so it must be the mocked one.
    expect(await version.textContent()).toBe("9.8.7");
    // The tray's count is visible in the window too (a tray may be hidden by the desktop).
    expect(await page.getByTestId("tray-tooltip").textContent()).toBe("Agentdesk: 1 unread (Your inbox 1, Unassigned 0)");
    const calls = await page.evaluate(() => (window as unknown as { __mockState: { calls: number } }).__mockState.calls);
    expect(calls, "About must ask the backend again, not show a stale value").toBeGreaterThanOrEqual(2);
    await page.close();
  });
});
