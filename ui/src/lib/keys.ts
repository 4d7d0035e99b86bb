// The keyboard map: which key does what. Pure, so the rules (including "letters do nothing
// while typing") are unit-tested without a browser.

export type KeyAction =
  | "next"
  | "prev"
  | "extend-next"
  | "extend-prev"
  | "pick"
  | "open"
  | "reply"
  | "note"
  | "close"
  | "snooze"
  | "assign"
  | "unread"
  | "tag"
  | "untag"
  | "priority"
  | "search"
  | "palette"
  | "help"
  | "escape";

export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** True when focus is in a text field, textarea, select or contenteditable. */
  typing: boolean;
  /** True when focus is on a button, link or menu item, where Enter belongs to it. */
  onControl?: boolean;
}

const LETTERS: Record<string, KeyAction> = {
  j: "next",
  k: "prev",
  // Shift+j reads J: the highlight moves and the bulk selection grows (or shrinks) with it.
  J: "extend-next",
  K: "extend-prev",
  x: "pick",
  Enter: "open",
  r: "reply",
  n: "note",
  e: "close",
  z: "snooze",
  a: "assign",
  u: "unread",
  t: "tag",
  T: "untag",
  p: "priority",
  "/": "search",
  "?": "help",
};

/** The shortcut list shown by "?" and the palette, in display order. */
export const SHORTCUTS: { keys: string; action: string }[] = [
  { keys: "j / k", action: "Next / previous conversation or ticket" },
  { keys: "Enter", action: "Open the selected conversation or ticket" },
  { keys: "x", action: "Select the highlighted conversation for a bulk action (again: unselect)" },
  { keys: "Shift+J / Shift+K", action: "Extend the selection down / up" },
  { keys: "Ctrl+click", action: "Select a conversation without opening it" },
  { keys: "Shift+click", action: "Select the rows from the last one clicked" },
  { keys: "r", action: "Reply" },
  { keys: "n", action: "Add a note" },
  { keys: "e", action: "Close (or reopen)" },
  { keys: "z", action: "Snooze" },
  { keys: "a", action: "Assign" },
  { keys: "u", action: "Mark unread" },
  { keys: "t", action: "Tag (type to filter, Enter applies)" },
  { keys: "Shift+T", action: "Remove a tag" },
  { keys: "Delete", action: "Remove the focused tag (in a thread)" },
  { keys: "p", action: "Mark priority (or not)" },
  { keys: "/", action: "Search" },
  { keys: "Ctrl+K", action: "Command palette" },
  { keys: "Ctrl+Enter", action: "Send (in the composer)" },
  { keys: "?", action: "This list" },
  { keys: "Esc", action: "Close a menu, leave a field, or clear the selection" },
];

/** Maps a key press to an action, or null when the key is not a shortcut here. */
export function keyAction(input: KeyInput): KeyAction | null {
  if ((input.ctrlKey || input.metaKey) && !input.altKey && input.key.toLowerCase() === "k") return "palette";
  if (input.key === "Escape") return "escape";
  if (input.typing || input.ctrlKey || input.metaKey || input.altKey) return null;
  if (input.key === "Enter" && input.onControl) return null;
  return LETTERS[input.key] ?? null;
}

/** Whether an event target is somewhere the user types. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as HTMLElement).tagName !== "string") return false;
  const el = target as HTMLElement;
  const tag = el.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  if (tag === "input") {
    const type = ((el as HTMLInputElement).type || "text").toLowerCase();
    return !["button", "checkbox", "radio", "submit", "reset", "range", "color"].includes(type);
  }
  return el.isContentEditable === true;
}

/** Whether an event target is a control that handles Enter itself. */
export function isControlTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as HTMLElement).tagName !== "string") return false;
  const el = target as HTMLElement;
  if (["button", "a", "summary"].includes(el.tagName.toLowerCase())) return true;
  const role = el.getAttribute?.("role");
  return role === "menuitem" || role === "radio" || role === "checkbox" || role === "button";
}
