// Entry of the mocked build (dist-mock/): installs Tauri's official IPC mocks, then starts
// the real app. Each Chromium test defines `window.__agentdeskMock` (the command handler)
// in an init script before the page loads, and fires backend events with `__agentdeskEmit`.
import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";

type Handler = (cmd: string, args: unknown) => unknown;

declare global {
  interface Window {
    __agentdeskMock?: Handler;
    __agentdeskEmit?: typeof emit;
  }
}

mockWindows("main");
mockIPC(
  (cmd, args) => {
    const handler = window.__agentdeskMock;
    if (!handler) throw new Error(`no mock handler installed for command ${cmd}`);
    return handler(cmd, args);
  },
  { shouldMockEvents: true },
);
window.__agentdeskEmit = emit;

await import("../../src/main.ts");
