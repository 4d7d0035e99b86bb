import { describe, expect, it } from "vitest";
import { isControlTarget, isTypingTarget, keyAction, type KeyInput } from "./keys";

const press = (key: string, extra: Partial<KeyInput> = {}): KeyInput => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  typing: false,
  ...extra,
});

describe("keyAction", () => {
  it("maps the single-key shortcuts", () => {
    const map = Object.fromEntries(["j", "k", "Enter", "r", "n", "e", "z", "a", "u", "/", "?"].map((k) => [k, keyAction(press(k))]));
    expect(map).toEqual({
      j: "next", k: "prev", Enter: "open", r: "reply", n: "note", e: "close",
      z: "snooze", a: "assign", u: "unread", "/": "search", "?": "help",
    });
  });

  it("t tags, Shift+T removes a tag, p toggles priority (issue 14)", () => {
    expect(keyAction(press("t")), "t opens the tag picker").toBe("tag");
    expect(keyAction(press("T")), "Shift+T (the key reads T) opens it to remove").toBe("untag");
    expect(keyAction(press("p"))).toBe("priority");
    for (const k of ["t", "T", "p"]) expect(keyAction(press(k, { typing: true })), `${k} while typing is text`).toBeNull();
  });

  it("x picks, Shift+j/k pick while moving (issue 22)", () => {
    expect(keyAction(press("x")), "x picks the highlighted row").toBe("pick");
    expect(keyAction(press("J")), "Shift+j (the key reads J) extends downwards").toBe("extend-next");
    expect(keyAction(press("K")), "Shift+k extends upwards").toBe("extend-prev");
    for (const k of ["x", "J", "K"]) expect(keyAction(press(k, { typing: true })), `${k} while typing is text`).toBeNull();
    expect(keyAction(press("K", { ctrlKey: true, typing: true })), "Ctrl+Shift+K still opens the palette").toBe("palette");
  });

  it("ignores letters while the agent types", () => {
    // Typing "jazz" in the composer must not move the selection or snooze anything.
    for (const k of ["j", "a", "z", "/", "Enter", "?"]) expect(keyAction(press(k, { typing: true })), k).toBeNull();
  });

  it("keeps Ctrl+K and Escape working everywhere", () => {
    expect(keyAction(press("k", { ctrlKey: true, typing: true })), "the palette opens from a field").toBe("palette");
    expect(keyAction(press("K", { metaKey: true })), "Cmd+K on a Mac keyboard too").toBe("palette");
    expect(keyAction(press("Escape", { typing: true }))).toBe("escape");
  });

  it("leaves Enter to a focused button or link", () => {
    // Enter on the focused Close button must press it, not open the selected row.
    expect(keyAction(press("Enter", { onControl: true }))).toBeNull();
    expect(keyAction(press("j", { onControl: true })), "letters still work from a button").toBe("next");
  });

  it("leaves modified letters to the system", () => {
    expect(keyAction(press("r", { ctrlKey: true })), "Ctrl+R is not reply").toBeNull();
    expect(keyAction(press("e", { altKey: true }))).toBeNull();
    expect(keyAction(press("q")), "unmapped keys do nothing").toBeNull();
  });
});

describe("isTypingTarget", () => {
  const el = (tagName: string, extra: Record<string, unknown> = {}) => ({ tagName, ...extra }) as unknown as EventTarget;
  it("knows fields from buttons", () => {
    expect(isTypingTarget(el("TEXTAREA"))).toBe(true);
    expect(isTypingTarget(el("INPUT", { type: "search" }))).toBe(true);
    expect(isTypingTarget(el("INPUT", { type: "checkbox" })), "a checkbox takes no text").toBe(false);
    expect(isTypingTarget(el("DIV", { isContentEditable: true }))).toBe(true);
    expect(isTypingTarget(el("BUTTON"))).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});

describe("isControlTarget", () => {
  const el = (tagName: string, role: string | null = null) =>
    ({ tagName, getAttribute: (n: string) => (n === "role" ? role : null) }) as unknown as EventTarget;
  it("knows buttons, links and menu items", () => {
    expect(isControlTarget(el("BUTTON"))).toBe(true);
    expect(isControlTarget(el("A"))).toBe(true);
    expect(isControlTarget(el("DIV", "menuitem"))).toBe(true);
    expect(isControlTarget(el("DIV", "option")), "a list row opens with Enter").toBe(false);
    expect(isControlTarget(el("BODY"))).toBe(false);
  });
});
