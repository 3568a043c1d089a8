// The field card's words for each tier, as a pure table: scripts/field-card.ts prints them on the
// card, and the virtual board page (web/src/board.ts) shows "releasing now does ..." from the same
// sentences, so the page and the card cannot drift apart.
import type { Tier } from "../daemon/press/tiers.js";

/** "2 s", "2.5 s", "500 ms". */
export function fmt(ms: number): string {
  if (ms === 0) return "0 s";
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(2))} s` : `${ms} ms`;
}

export interface ReleaseContext {
  setupWindowMinutes: number;
  confirmWindowMs: number;
}

/** What releasing the button in `tier` does. */
export function releaseText(tier: Tier, c: ReleaseContext): string {
  switch (tier) {
    case "short":
      return `short press: shows status; in first-boot state reopens the setup window (${c.setupWindowMinutes} min)`;
    case "dead":
      return "nothing";
    case "credential":
      return "credential reset: all accounts, sessions and tokens erased, setup window opens; recordings kept";
    case "factory":
      return `factory reset, only after a confirming short press within ${fmt(c.confirmWindowMs)} of release`;
    case "stuck":
      return "nothing: too long, treated as stuck";
  }
}
