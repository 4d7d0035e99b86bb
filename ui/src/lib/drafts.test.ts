import { describe, expect, it } from "vitest";
import { acceptPrefill, applyPrefill, Drafts } from "./drafts";

describe("drafts", () => {
  it("gives a conversation's draft back once, with its mode", () => {
    const drafts = new Drafts().of("w1");
    drafts.put("c1", { text: "Half a note", kind: "note" });
    expect(drafts.take("c1"), "the draft comes back as it was left").toEqual({ text: "Half a note", kind: "note" });
    expect(drafts.take("c1"), "the open composer holds it now; a second copy would resurrect sent text").toBeUndefined();
  });

  it("keeps no blank drafts and forgets sent ones", () => {
    const drafts = new Drafts().of("w1");
    drafts.put("c1", { text: "   ", kind: "comment" });
    expect(drafts.size, "whitespace is not a draft").toBe(0);
    drafts.put("c2", { text: "Sent while away", kind: "comment" });
    drafts.drop("c2");
    expect(drafts.take("c2"), "a sent draft does not come back").toBeUndefined();
  });

  it("keeps workspaces apart and forgets everything at logout", () => {
    const all = new Drafts();
    all.of("w1").put("42", { text: "for workspace one", kind: "comment" });
    expect(all.of("w2").take("42"), "conversation ids repeat across workspaces").toBeUndefined();
    all.clear();
    expect(all.of("w1").take("42"), "logout forgets every draft").toBeUndefined();
  });

  it("keeps drafts across runs through the workspace's store, once per change", async () => {
    const saved: [string, string, string, string][] = [];
    const all = new Drafts((ws) => async (id, d) => void saved.push([ws, id, d.kind, d.text]));
    const drafts = all.of("w1");
    drafts.save("c1", { text: "Hel", kind: "comment" });
    drafts.save("c1", { text: "Hel", kind: "comment" });
    drafts.put("c1", { text: "Hello", kind: "comment" });
    drafts.save("c2", { text: "  ", kind: "note" });
    expect(saved, "each change is kept once, in its own workspace; a blank one never kept is not sent").toEqual([
      ["w1", "c1", "comment", "Hel"],
      ["w1", "c1", "comment", "Hello"],
    ]);
    drafts.save("c1", { text: "", kind: "comment" });
    expect(saved.at(-1), "emptying the composer deletes the kept draft").toEqual(["w1", "c1", "comment", ""]);
  });

  it("restores an earlier run's drafts without overwriting what was typed since", () => {
    const drafts = new Drafts(() => async () => {}).of("w1");
    drafts.put("c1", { text: "typed this run", kind: "comment" });
    drafts.restore([
      { id: "c1", kind: "note", text: "from the last run", updatedAt: 1 },
      { id: "c2", kind: "note", text: "left before the crash", updatedAt: 2 },
    ]);
    expect(drafts.take("c1"), "the newer text in this run wins").toEqual({ text: "typed this run", kind: "comment" });
    expect(drafts.take("c2"), "a draft only the cache had comes back, with its mode").toEqual({ text: "left before the crash", kind: "note" });
  });

  it("a save that fails is tried again at the next change", async () => {
    let fail = true;
    const tries: string[] = [];
    const drafts = new Drafts(() => async (_id, d) => {
      tries.push(d.text);
      if (fail) throw { code: "stale_workspace" };
    }).of("w1");
    drafts.save("c1", { text: "a", kind: "comment" });
    await Promise.resolve();
    await Promise.resolve();
    fail = false;
    drafts.save("c1", { text: "a", kind: "comment" });
    expect(tries, "the unchanged text is sent again: the first save did not land").toEqual(["a", "a"]);
  });

  it("a link's text fills an empty composer as a reply", () => {
    expect(applyPrefill({ text: "", kind: "note" }, "Thanks for waiting"), "nothing to lose: the text is the draft, as a reply").toEqual({
      draft: { text: "Thanks for waiting", kind: "comment" },
      offer: null,
    });
    expect(applyPrefill({ text: "  \n", kind: "comment" }, "Hi").offer, "whitespace is not a draft to keep").toBeNull();
    expect(applyPrefill({ text: "mine", kind: "comment" }, null), "a link without text leaves the draft alone").toEqual({ draft: { text: "mine", kind: "comment" }, offer: null });
  });

  it("draft_overwritten_by_link: a link's text never replaces an unsent draft, it is offered", () => {
    const draft = { text: "Half of my own answer", kind: "note" as const };
    const { draft: kept, offer } = applyPrefill(draft, "Text someone put in a link");
    expect(kept, "the agent's draft and its mode stay exactly as they were").toEqual(draft);
    expect(offer, "the link's text waits for the agent to choose").toBe("Text someone put in a link");
  });

  it("the agent adds the offered text under the draft, or uses it instead", () => {
    const draft = { text: "My note  \n", kind: "note" as const };
    expect(acceptPrefill(draft, "From the link", "append"), "added below, the mode stays: a note never becomes a reply by itself").toEqual({
      text: "My note\n\nFrom the link",
      kind: "note",
    });
    expect(acceptPrefill(draft, "From the link", "replace"), "used instead: the link's text is a reply").toEqual({ text: "From the link", kind: "comment" });
  });
});
