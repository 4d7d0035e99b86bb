// Half-written replies and notes, one per conversation, so opening another conversation (a
// row, a search hit, a notification) never throws away what the agent was typing. In memory
// only: a draft can hold customer details, and the app forgets it at logout (people share
// computers); persisting it would need a store the shell wipes at logout, like the cache.
import type { ReplyKind } from "./ipc";

export interface Draft {
  text: string;
  kind: ReplyKind;
}

/** The drafts of one workspace's conversations (ids are only unique within a workspace). */
export class ConversationDrafts {
  readonly #byId = new Map<string, Draft>();

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
  }

  /** Forgets a conversation's draft (it was sent). */
  drop(conversationId: string) {
    this.#byId.delete(conversationId);
  }

  clear() {
    this.#byId.clear();
  }

  get size(): number {
    return this.#byId.size;
  }
}

/** Every workspace's drafts for this run of the app. */
export class Drafts {
  readonly #byWorkspace = new Map<string, ConversationDrafts>();

  of(workspaceId: string): ConversationDrafts {
    let drafts = this.#byWorkspace.get(workspaceId);
    if (!drafts) {
      drafts = new ConversationDrafts();
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
