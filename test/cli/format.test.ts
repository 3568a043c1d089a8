// What `sim press` says releasing now would do: the field card's words, except while a reset waits
// for its confirming short press, when the short tier confirms and longer presses cancel first.
import { describe, expect, it } from "vitest";
import { RELEASE_NOW, RELEASE_NOW_CONFIRMING, releaseText } from "../../cli/format.js";

describe("releaseText", () => {
  it("without a pending confirm, the field card's tier text", () => {
    for (const tier of Object.keys(RELEASE_NOW)) expect(releaseText(tier)).toBe(RELEASE_NOW[tier]);
    expect(releaseText("short", null)).toMatch(/^show status/);
  });

  it("with a pending confirm, every tier says what happens to the wait", () => {
    expect(Object.keys(RELEASE_NOW_CONFIRMING).sort()).toEqual(Object.keys(RELEASE_NOW).sort());
    expect(releaseText("short", "factory-reset")).toBe("confirm the factory reset");
    expect(releaseText("dead", "pending reset")).toBe(
      "cancel the pending reset: too long to confirm, nothing done",
    );
    expect(releaseText("credential", "factory-reset")).toBe(
      "cancel the factory reset, then credential reset",
    );
  });
});
