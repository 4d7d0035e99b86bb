import { describe, expect, it } from "vitest";
import type { Part } from "./ipc";
import { hasNewCustomerPart } from "./thread";

const part = (id: string, authorKind: Part["authorKind"], kind: Part["kind"] = "message"): Part => ({
  id, kind, authorKind, authorName: "x", createdAt: 1, bodyHtml: "", eventText: null, attachments: [], redacted: false,
});

describe("hasNewCustomerPart", () => {
  const before = [part("1", "contact"), part("2", "admin")];
  it("sees a customer message that was not there", () => {
    expect(hasNewCustomerPart(before, [...before, part("3", "contact")]), "the customer wrote").toBe(true);
  });
  it("ignores teammates, notes, events and parts already shown", () => {
    expect(hasNewCustomerPart(before, before), "the same parts again (a read mark, an assignment)").toBe(false);
    expect(hasNewCustomerPart(before, [...before, part("3", "admin")]), "a teammate's reply is not the customer writing").toBe(false);
    expect(hasNewCustomerPart(before, [...before, part("4", "admin", "note")]), "a note is not the customer writing").toBe(false);
    expect(hasNewCustomerPart(before, [...before, part("5", "contact", "event")]), "an event line is not a message").toBe(false);
  });
});
