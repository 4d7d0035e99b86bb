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

/** Options of the shared fake backend (tests/browser/fake-backend.js). */
export interface FakeOptions {
  /** "demo" starts connected to the demo workspace; null (default) shows the connect screen. */
  session?: "demo" | null;
  conversations?: number;
  online?: boolean;
  /** When set, the "All open" view reports this many rows and generates them on demand. */
  hugeView?: number;
  /** check_token rejects these tokens with these errors. */
  tokenErrors?: Record<string, { code: string; message: string }>;
  failSends?: boolean;
  /** Conversation ids whose close, snooze, assign and mark read the backend refuses (`invalid_input`). */
  failIds?: string[];
  /** Commands whose answers wait for `window.__fake.release()` (or `unhold()`): a run watched mid-way. */
  holdCommands?: string[];
  /** How many tickets the fake workspace has (40 by default). */
  tickets?: number;
  /** Attribute names whose changes the backend refuses with invalid_input and this message. */
  attributeErrors?: Record<string, string>;
  backfill?: { done: number; total: number } | null;
  viewport?: { width: number; height: number };
  /** Installs Playwright's fake clock at this time (ms) before the app loads; tests move it with `page.clock`. */
  clockAt?: number;
  /** Counts the page's live intervals in `window.__intervals` (after the fake clock, if any). */
  countIntervals?: boolean;
  /** Drafts an earlier run kept in the cache, keyed `<workspaceId>/<id>` (issue 22). */
  drafts?: Record<string, { id: string; kind: "comment" | "note"; text: string; updatedAt: number }>;
  /** get_app_info reports that the previous run crashed. */
  lastCrash?: { at: number; logFile: string } | null;
}

const FAKE_SOURCE = readFile(join(import.meta.dirname, "fake-backend.js"), "utf8");

/** A page of the app backed by the shared fake workspace; `window.__fake` is its handle. */
export async function openFake(h: Harness, options: FakeOptions = {}): Promise<Page & { pageErrors: string[] }> {
  const page = await h.browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  // A deadline for every wait, well under the test timeout, so a failure names its step.
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  if (options.clockAt !== undefined) await page.clock.install({ time: options.clockAt });
  if (options.countIntervals) {
    await page.addInitScript(() => {
      const w = window as unknown as { __intervals: Set<unknown> };
      w.__intervals = new Set();
      const set = window.setInterval.bind(window);
      const clear = window.clearInterval.bind(window);
      window.setInterval = ((fn: TimerHandler, ms?: number, ...rest: unknown[]) => {
        const id = set(fn, ms, ...rest);
        w.__intervals.add(id);
        return id;
      }) as typeof window.setInterval;
      window.clearInterval = ((id?: number) => {
        w.__intervals.delete(id);
        clear(id);
      }) as typeof window.clearInterval;
    });
  }
  await page.addInitScript((o) => {
    (window as unknown as { __fakeOptions: unknown }).__fakeOptions = o;
  }, options);
  await page.addInitScript({ content: await FAKE_SOURCE });
  await page.addInitScript(() => {
    const w = window as unknown as { __fake: { handle(c: string, a: unknown): unknown }; __agentdeskMock: unknown };
    w.__agentdeskMock = (cmd: string, args: unknown) => w.__fake.handle(cmd, args);
  });
  await page.goto(h.url);
  return Object.assign(page, { pageErrors: errors });
}

/** The commands the app has called so far, with their arguments. */
export async function calls(page: Page, command?: string): Promise<unknown[][]> {
  const all = await page.evaluate(() => (window as unknown as { __fake: { calls: unknown[][] } }).__fake.calls);
  return command ? all.filter((c) => c[0] === command) : all;
}

/** Waits until the app has called `command` at least `n` times; returns those calls' args. */
export async function waitForCall(page: Page, command: string, n = 1): Promise<Record<string, unknown>[]> {
  await page.waitForFunction(
    ([cmd, count]) =>
      (window as unknown as { __fake: { calls: unknown[][] } }).__fake.calls.filter((c) => c[0] === cmd).length >= (count as number),
    [command, n] as const,
    { timeout: 10_000 },
  );
  return (await calls(page, command)).map((c) => c[1] as Record<string, unknown>);
}

/** Fires a backend event into the page, as the Rust shell would. */
export async function emitEvent(page: Page, event: string, payload: unknown): Promise<void> {
  await page.evaluate(
    ([e, p]) => (window as unknown as { __agentdeskEmit: (e: string, p: unknown) => Promise<void> }).__agentdeskEmit(e, p),
    [event, payload] as const,
  );
}
