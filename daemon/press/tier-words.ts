// The words for what a press does, in one table (issue 15): `recoveryctl sim press` says the
// brief form live, the field card and the virtual board page print the brief form followed by
// its detail, so a technician reads the same sentence on the card as QA sees in the terminal.
import type { Tier } from "./tiers.js";

/** "2 s", "2.5 s", "500 ms". */
export function fmt(ms: number): string {
  if (ms === 0) return "0 s";
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(2))} s` : `${ms} ms`;
}

export interface WordsContext {
  setupWindowMinutes: number;
  confirmWindowMs: number;
}

interface TierWords {
  /** What releasing now does, as the CLI says it live. */
  brief: string;
  /** What the card adds after the brief form. */
  detail?: (c: WordsContext) => string;
}

export const TIER_WORDS: Record<Tier, TierWords> = {
  short: {
    brief: "show status (reopens the setup window in first-boot)",
    detail: (c) => `the window then stays open ${c.setupWindowMinutes} min`,
  },
  dead: { brief: "nothing" },
  credential: {
    brief: "credential reset",
    detail: () => "all accounts, sessions and tokens erased, setup window opens; recordings kept",
  },
  factory: {
    brief: "factory reset (after a confirming short press)",
    detail: (c) => `the confirming press must come within ${fmt(c.confirmWindowMs)} of release`,
  },
  stuck: { brief: "nothing: held too long, treated as stuck" },
};

/**
 * While a reset waits for its confirming short press, releasing means something else: the short
 * tier confirms, and any longer press cancels the wait before its own tier applies.
 */
export const TIER_WORDS_CONFIRMING: Record<Tier, string> = {
  short: "confirm the {action}",
  dead: "cancel the {action}: too long to confirm, nothing done",
  credential: "cancel the {action}, then credential reset",
  factory: "cancel the {action}, then arm a new factory reset",
  stuck: "cancel the {action}: held too long, nothing done",
};

/** How a confirm wait ended. */
export const CONFIRM_END: Record<string, string> = {
  confirmed: "confirmed, {action} started",
  timeout: "no confirming press in time: nothing done",
  "other-press": "cancelled: that press was too long to confirm, nothing done",
  "line-fault": "cancelled: the button line failed, nothing done",
};

const isTier = (t: string): t is Tier => Object.hasOwn(TIER_WORDS, t);

/** The live form; `pending` names what a confirm wait is open for ("factory-reset"), if any. */
export function briefText(tier: string, pending?: string | null): string {
  if (!isTier(tier)) return tier;
  if (pending) return TIER_WORDS_CONFIRMING[tier].replace("{action}", pending.replace("-", " "));
  return TIER_WORDS[tier].brief;
}

/** The card's form: the brief words, then the detail. */
export function cardText(tier: Tier, c: WordsContext): string {
  const w = TIER_WORDS[tier];
  return w.detail ? `${w.brief}: ${w.detail(c)}` : w.brief;
}
