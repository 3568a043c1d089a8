// The gesture table of SPEC 3 as pure functions of the hold length.
//
// Boundaries are inclusive at the lower end of each tier: a hold of exactly `shortMaxMs` is in the
// dead zone, exactly `credentialMs` is a credential reset, exactly `factoryMs` a factory reset and
// exactly `stuckMs` is stuck. The live feedback uses the same rule (the LED changes the moment the
// hold reaches the threshold), so what the technician sees is what releasing at that instant does.
import type { BuzzerPattern, LedPattern } from "../../hal/ports.js";
import type { ButtonConfig } from "../config/schema.js";

export type Tier = "short" | "dead" | "credential" | "factory" | "stuck";

/** The order in which a held button passes the tiers. */
export const TIER_ORDER: readonly Tier[] = ["short", "dead", "credential", "factory", "stuck"];

export type PressAction = "short" | "credential-reset" | "factory-reset";
export type ResetAction = Exclude<PressAction, "short">;

export type Thresholds = Pick<ButtonConfig, "shortMaxMs" | "credentialMs" | "factoryMs" | "stuckMs">;

/** Hold length at which a held button enters `tier`. */
export function tierStartMs(tier: Tier, cfg: Thresholds): number {
  switch (tier) {
    case "short":
      return 0;
    case "dead":
      return cfg.shortMaxMs;
    case "credential":
      return cfg.credentialMs;
    case "factory":
      return cfg.factoryMs;
    case "stuck":
      return cfg.stuckMs;
  }
}

export function classifyHold(holdMs: number, cfg: Thresholds): Tier {
  if (holdMs < cfg.shortMaxMs) return "short";
  if (holdMs < cfg.credentialMs) return "dead";
  if (holdMs < cfg.factoryMs) return "credential";
  if (holdMs < cfg.stuckMs) return "factory";
  return "stuck";
}

/** The tier after `tier` while the button stays down, or null past the last one. */
export function nextTier(tier: Tier): Tier | null {
  return TIER_ORDER[TIER_ORDER.indexOf(tier) + 1] ?? null;
}

/** LED while holding in a tier; null = no holding feedback (the indicator shows what it would anyway). */
export function holdingLed(tier: Tier): LedPattern | null {
  switch (tier) {
    case "short":
      return null;
    case "dead":
      return "off";
    case "credential":
      return "slow-blink";
    case "factory":
      return "fast-blink";
    case "stuck":
      return "on";
  }
}

/** Sound on reaching a tier while holding. */
export function tierBuzzer(tier: Tier): BuzzerPattern | null {
  switch (tier) {
    case "credential":
      return "beep";
    case "factory":
      return "double-beep";
    case "stuck":
      return "long-beep";
    default:
      return null;
  }
}

/**
 * What releasing in `tier` leads to. Factory resets always wait for a confirming short press; boot
 * holds (the button was already down when the daemon armed) need it for every reset.
 */
export function releaseOutcome(
  tier: Tier,
  boot: boolean,
):
  | { kind: "action"; action: PressAction }
  | { kind: "await-confirm"; action: ResetAction }
  | { kind: "none" } {
  switch (tier) {
    case "short":
      return { kind: "action", action: "short" };
    case "credential":
      return boot
        ? { kind: "await-confirm", action: "credential-reset" }
        : { kind: "action", action: "credential-reset" };
    case "factory":
      return { kind: "await-confirm", action: "factory-reset" };
    case "dead":
    case "stuck":
      return { kind: "none" };
  }
}
