import { describe, expect, it } from "vitest";
import { checkTrackEvent } from "./metadata";

const pair = (key: string, value: string) => ({ key, value });

describe("checkTrackEvent", () => {
  it("accepts a name with pairs and trims them", () => {
    const r = checkTrackEvent({ name: " upgraded-plan ", pairs: [pair(" plan ", " pro "), pair("", "")] });
    expect(r.ok).toBe(true);
    expect(r.name).toBe("upgraded-plan");
    expect(r.metadata, "blank rows are dropped, not sent").toEqual([pair("plan", "pro")]);
  });

  it("requires a sensible name", () => {
    expect(checkTrackEvent({ name: "  ", pairs: [] }).nameError, "a blank name cannot be tracked").toBeTruthy();
    expect(checkTrackEvent({ name: "a<b>", pairs: [] }).ok, "markup is not an event name").toBe(false);
    expect(checkTrackEvent({ name: "x".repeat(300), pairs: [] }).ok).toBe(false);
  });

  it("flags a value without a key and duplicate keys on their row", () => {
    const r = checkTrackEvent({ name: "ok", pairs: [pair("a", "1"), pair("", "2"), pair("a", "3")] });
    expect(r.ok).toBe(false);
    expect(r.pairErrors[0], "the first use of a key is fine").toBeNull();
    expect(r.pairErrors[1], "a lone value has nowhere to go").toMatch(/key/);
    expect(r.pairErrors[2], "Intercom keeps one value per key").toMatch(/twice/);
  });

  it("allows ten pairs and refuses eleven", () => {
    const ten = Array.from({ length: 10 }, (_, i) => pair(`k${i}`, "v"));
    expect(checkTrackEvent({ name: "ok", pairs: ten }).ok, "ten is the API's limit").toBe(true);
    const eleven = [...ten, pair("k10", "v")];
    const r = checkTrackEvent({ name: "ok", pairs: eleven });
    expect(r.ok).toBe(false);
    expect(r.formError).toMatch(/10/);
  });
});
