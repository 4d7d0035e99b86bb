// Half-written replies and notes, one per conversation or ticket, so opening another item
// (a row, a search hit, a notification) never throws away what the agent was typing. Held
// here while the app runs and kept in the workspace's cache (`save_draft`), so a crash, a
// quit or an update loses at most the last moments of typing; logout deletes the cache and
// the drafts with it (people share computers).
import type { ReplyKind, StoredDraft } from "./ipc";

export interface Draft {
  text: string;
  kind: ReplyKind;
}

/** Where drafts are kept across runs: `save_draft` for the workspace, or nothing (tests). */
export type PersistDraft = (id: string, draft: Draft) => Promise<unknown>;

/** The drafts of one workspace's conversations (ids are only unique within a workspace). */
export class ConversationDrafts {
  readonly #byId = new Map<string, Draft>();
  /** What the cache holds per id, as far as this window knows: saves that change nothing are skipped. */
  readonly #kept = new Map<string, Draft>();
  readonly #persist: PersistDraft | null;

  constructor(persist: PersistDraft | null = null) {
    this.#persist = persist;
  }

  /** Hands a conversation's draft to the composer, which holds it while it is open. */
  take(conversationId: string): Draft | undefined {
    const draft = this.#byId.get(conversationId);
    this.#byId.delete(conversationId);
    return draft;
  }

  /** Keeps the composer's draft when the agent leaves the conversation; blank ones are not kept. */
  put(conversationId: string, draft: Draft) {
    if (draft.text.trim()) this.#byId.set(conversationId, { ...draft });
    else this.#byId.delete(conversationId);
    this.save(conversationId, draft);
  }

  /**
   * Keeps the open composer's text in the cache (the inbox calls this as the agent types,
   * after a pause). A blank text deletes the cached draft; an unchanged one sends nothing.
   */
  save(conversationId: string, draft: Draft) {
    if (!this.#persist) return;
    const blank = !draft.text.trim();
    const kept = this.#kept.get(conversationId);
    if (blank ? !kept : kept && kept.text === draft.text && kept.kind === draft.kind) return;
    if (blank) this.#kept.delete(conversationId);
    else this.#kept.set(conversationId, { ...draft });
    this.#persist(conversationId, blank ? { text: "", kind: draft.kind } : draft).catch(() => {
      // Not kept (the workspace closed, the cache is unwritable): try again at the next change.
      this.#kept.delete(conversationId);
    });
  }

  /** Forgets a conversation's draft (it was sent: queuing the reply consumed the cached one). */
  drop(conversationId: string) {
    this.#byId.delete(conversationId);
    this.#kept.delete(conversationId);
  }

  /**
   * The drafts the cache kept from an earlier run, added where this run holds none (what the
   * agent typed since the window opened wins).
   */
  restore(stored: readonly StoredDraft[]) {
    for (const d of stored) {
      if (!d.text.trim()) continue;
      const draft = { text: d.text, kind: d.kind };
      if (!this.#kept.has(d.id)) this.#kept.set(d.id, draft);
      if (!this.#byId.has(d.id)) this.#byId.set(d.id, draft);
    }
  }

  clear() {
    this.#byId.clear();
    this.#kept.clear();
  }

  get size(): number {
    return this.#byId.size;
  }
}

/** Every workspace's drafts for this run of the app. */
export class Drafts {
  readonly #byWorkspace = new Map<string, ConversationDrafts>();

  readonly #persist: ((workspaceId: string) => PersistDraft) | null;

  /** `persist`: how a workspace's drafts are kept across runs (none: in memory only). */
  constructor(persist: ((workspaceId: string) => PersistDraft) | null = null) {
    this.#persist = persist;
  }

  of(workspaceId: string): ConversationDrafts {
    let drafts = this.#byWorkspace.get(workspaceId);
    if (!drafts) {
      drafts = new ConversationDrafts(this.#persist?.(workspaceId) ?? null);
      this.#byWorkspace.set(workspaceId, drafts);
    }
    return drafts;
  }

  /** Logout: nothing the last agent typed survives for the next one. */
  clear() {
    // Emptied as well as dropped: an inbox still closing may hold one and put into it.
    for (const drafts of this.#byWorkspace.values()) drafts.clear();
    this.#byWorkspace.clear();
  }
}

/**
 * What a link's text (`agentdesk://...?prefill=`) does to the composer. A link can come from
 * anyone, so it never replaces what the agent wrote: an empty composer takes it as a reply,
 * and an unsent draft stays as it is while the text is offered beside it for the agent to
 * add or use (`acceptPrefill`). Asking rather than appending: text appended under a long
 * draft can sit out of sight, and Ctrl+Enter would send words the agent never read.
 */
export function applyPrefill(draft: Draft, prefill: string | null): { draft: Draft; offer: string | null } {
  if (prefill === null || !prefill.trim()) return { draft, offer: null };
  if (!draft.text.trim()) return { draft: { text: prefill, kind: "comment" }, offer: null };
  return { draft, offer: prefill };
}

/**
 * The agent's answer to a link's offered text: added under the draft (which keeps its mode,
 * so a note never turns into a reply to the customer), or in place of it, as a reply.
 */
export function acceptPrefill(draft: Draft, offer: string, how: "append" | "replace"): Draft {
  if (how === "replace" || !draft.text.trim()) return { text: offer, kind: "comment" };
  return { text: `${draft.text.trimEnd()}\n\n${offer}`, kind: draft.kind };
}
