// What `sim press` says releasing now would do: the field card's words, except while a reset waits
// for its confirming short press, when the short tier confirms and longer presses cancel first.
import { describe, expect, it } from "vitest";
import { releaseText } from "../../cli/format.js";
import { TIER_WORDS } from "../../daemon/press/tier-words.js";

describe("releaseText", () => {
  it("without a pending confirm, the table's brief words", () => {
    for (const [tier, w] of Object.entries(TIER_WORDS)) expect(releaseText(tier)).toBe(w.brief);
    expect(releaseText("short", null)).toMatch(/^show status/);
  });

  it("with a pending confirm, every tier says what happens to the wait", () => {
    expect(releaseText("short", "factory-reset")).toBe("confirm the factory reset");
    expect(releaseText("dead", "pending reset")).toBe(
      "cancel the pending reset: too long to confirm, nothing done",
    );
    expect(releaseText("credential", "factory-reset")).toBe(
      "cancel the factory reset, then credential reset",
    );
  });
});
