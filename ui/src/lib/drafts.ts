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
