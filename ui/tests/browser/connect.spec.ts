// The connect screen against the fake backend: every check_token error shows the backend's
// sentence and saves nothing; the demo and a checked token both lead to the inbox.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calls, openFake, start, waitForCall, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await start();
});
afterAll(async () => {
  await h?.close();
});

const ERRORS: Record<string, { code: string; message: string }> = {
  "tok-unauthorized": { code: "unauthorized", message: "The access token was rejected: create a new one in the Developer Hub under Your Apps > Authentication." },
  "tok-forbidden": { code: "forbidden", message: "The token lacks the 'Read conversations' permission: enable it under Authentication and paste the new token." },
  "tok-region": { code: "wrong_region", message: "This token belongs to another region: pick EU or AU and check again." },
  "tok-offline": { code: "offline", message: "Intercom could not be reached: check your network connection and try again." },
  "tok-invalid": { code: "invalid_input", message: "That does not look like an access token: paste the whole token." },
};

describe("connect screen", () => {
  it("shows each error's sentence and saves nothing", async () => {
    const page = await openFake(h, { tokenErrors: ERRORS });
    const token = page.getByLabel("Access token");
    expect(await token.getAttribute("type"), "a token is a secret and must be hidden").toBe("password");
    await page.getByText("Developer Hub").first().waitFor();
    for (const [value, err] of Object.entries(ERRORS)) {
      await token.fill(value);
      await page.getByRole("button", { name: "Check" }).click();
      const alert = page.locator(`[data-testid=connect-error][data-code=${err.code}]`);
      await alert.waitFor({ timeout: 10_000 });
      expect(await alert.textContent(), `the ${err.code} sentence is shown as the backend wrote it`).toBe(err.message);
    }
    // The wrong-region error sends the agent to the region field.
    await token.fill("tok-region");
    await page.getByRole("button", { name: "Check" }).click();
    await page.waitForFunction(() => document.activeElement?.id === "region");
    expect(await calls(page, "connect_workspace"), "a failed check must never save a workspace").toHaveLength(0);
    expect(await page.getByTestId("token-ok").count(), "no admin choice without a working token").toBe(0);
    expect(page.pageErrors, "no uncaught errors").toEqual([]);
    await page.close();
  });

  it("a checked token defaults to its own admin and connects as the chosen one", async () => {
    const page = await openFake(h);
    await page.getByLabel("Access token").fill("good-token");
    await page.getByLabel("Region").selectOption("eu");
    await page.getByRole("button", { name: "Check" }).click();
    const actAs = page.getByLabel("Act as");
    await actAs.waitFor();
    expect(await actAs.inputValue(), "the token's own admin (a2 in the fake) is the default").toBe("a2");
    expect(await calls(page, "connect_workspace"), "checking alone saves nothing").toHaveLength(0);
    await actAs.selectOption("a1");
    await page.getByRole("button", { name: "Connect" }).click();
    const [args] = await waitForCall(page, "connect_workspace");
    expect(args, "connect sends the token, region and chosen admin").toEqual({ token: "good-token", region: "eu", adminId: "a1" });
    await page.getByRole("navigation", { name: "Views" }).waitFor();
    await page.close();
  });

  it("the demo workspace opens the inbox", async () => {
    const page = await openFake(h);
    await page.getByRole("button", { name: "Open the demo workspace" }).click();
    // The inbox shows the views and the first rows, read from the (fake) cache.
    await page.getByRole("button", { name: /Your inbox/ }).waitFor();
    await page.locator("[role=option][data-id]").first().waitFor();
    expect(await calls(page, "open_demo"), "the demo is started through its command").toHaveLength(1);
    expect(await page.getByTestId("empty-state").count(), "the empty state is gone once connected").toBe(0);
    await page.close();
  });
});
