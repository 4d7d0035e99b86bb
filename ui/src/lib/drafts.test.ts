import { describe, expect, it } from "vitest";
import { Drafts } from "./drafts";

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
});
