// One table of words for the press (issue 15): the field card and the virtual board say what the
// CLI says live, then add their detail, so the three cannot drift apart.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../daemon/config/load.js";
import {
  briefText,
  CONFIRM_END,
  cardText,
  fmt,
  TIER_WORDS,
  TIER_WORDS_CONFIRMING,
} from "../../daemon/press/tier-words.js";
import { TIER_ORDER } from "../../daemon/press/tiers.js";
import { renderFieldCardMarkdown } from "../../scripts/field-card.js";

const words = { setupWindowMinutes: 15, confirmWindowMs: 10_000 };

describe("tier words", () => {
  it("has brief and confirming words for every tier", () => {
    expect(Object.keys(TIER_WORDS).sort()).toEqual([...TIER_ORDER].sort());
    expect(Object.keys(TIER_WORDS_CONFIRMING).sort()).toEqual([...TIER_ORDER].sort());
    expect(Object.keys(CONFIRM_END).sort()).toEqual(["confirmed", "line-fault", "other-press", "timeout"]);
  });

  it("the card's sentence starts with the CLI's words, and the card prints it", () => {
    const card = renderFieldCardMarkdown(parseConfig({}));
    for (const tier of TIER_ORDER) {
      expect(cardText(tier, words).startsWith(briefText(tier))).toBe(true);
      expect(card).toContain(`| ${cardText(tier, words)} |`);
    }
  });

  it("puts the configured numbers into the detail", () => {
    expect(cardText("factory", { setupWindowMinutes: 5, confirmWindowMs: 2500 })).toMatch(/within 2.5 s/);
    expect(cardText("short", { setupWindowMinutes: 5, confirmWindowMs: 2500 })).toMatch(/5 min/);
    expect(briefText("no-such-tier")).toBe("no-such-tier");
    expect([fmt(0), fmt(500), fmt(2000), fmt(2500)]).toEqual(["0 s", "500 ms", "2 s", "2.5 s"]);
  });
});
