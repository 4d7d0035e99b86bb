// Shared harness for the Chromium tests: serves the mocked build (dist-mock/) on loopback
// and launches Debian's Chromium through playwright-core (never a downloaded browser).
import { createServer, type Server } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

const DIST = join(import.meta.dirname, "..", "..", "dist-mock");
const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

export interface Harness {
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

/** Starts the static server and the browser. */
export async function start(): Promise<Harness> {
  const server: Server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? "/").split("?")[0] ?? "/"));
    const file = join(DIST, path === "/" ? "tests/browser/mock.html" : path);
    if (!file.startsWith(DIST)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("static server has no port");
  // Playwright gives each launch a fresh temporary profile and runs it headless.
  const browser = await chromium.launch({
    headless: true,
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    url: `http://127.0.0.1:${address.port}/`,
    browser,
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Opens the app with `handlers` answering commands. Handlers run inside the page, so they
 * must be self-contained functions (no closures over test variables); pass data via `state`.
 */
export async function openApp(
  h: Harness,
  handlers: string,
  state: unknown = {},
): Promise<Page> {
  const page = await h.browser.newPage();
  await page.addInitScript(
    ({ handlers, state }) => {
      const w = window as unknown as Record<string, unknown>;
      w.__mockState = state;
      w.__agentdeskMock = new Function("cmd", "args", "state", handlers).bind(null) as never;
      const inner = w.__agentdeskMock as (c: string, a: unknown, s: unknown) => unknown;
      w.__agentdeskMock = (cmd: string, args: unknown) => inner(cmd, args, w.__mockState);
    },
    { handlers, state },
  );
  await page.goto(h.url);
  return page;
}
