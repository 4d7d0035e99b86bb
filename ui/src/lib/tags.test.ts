import { describe, expect, it } from "vitest";
import { tagChoices } from "./tags";

const tags = [
  { id: "1", name: "VIP" },
  { id: "2", name: "Bug" },
  { id: "3", name: "Refund request" },
  { id: "4", name: "Feature request" },
];

describe("tagChoices", () => {
  it("adding offers the tags not applied, filtered by every typed word", () => {
    const applied = [tags[0]!];
    expect(tagChoices(tags, applied, "add", "").map((t) => t.name), "applied tags are not offered again").toEqual(["Bug", "Feature request", "Refund request"]);
    expect(tagChoices(tags, applied, "add", "req").map((t) => t.name)).toEqual(["Feature request", "Refund request"]);
    expect(tagChoices(tags, applied, "add", "REF req").map((t) => t.name), "case and word order do not matter").toEqual(["Refund request"]);
    expect(tagChoices(tags, applied, "add", "re").map((t) => t.name)[0], "a name starting with the query comes first").toBe("Refund request");
  });

  it("removing offers only the applied tags", () => {
    expect(tagChoices(tags, [tags[1]!, tags[2]!], "remove", "").map((t) => t.id)).toEqual(["2", "3"]);
    expect(tagChoices(tags, [], "remove", "")).toEqual([]);
  });
});
