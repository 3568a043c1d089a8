// Which LED pattern to show, as a pure function of what is going on. Precedence, highest first:
//   1. holding feedback (the technician's hand is on the button: tell them what releasing does)
//   2. confirm-wait (a factory or boot-hold reset waits for its confirming press)
//   3. done / refused (for doneFlashMs after an action completed, or a USB file or confirm was refused)
//   4. fault (store unusable, GPIO failure)
//   5. setup-pending (first-boot state: set a password)
//   6. off
// A button stuck down keeps showing its holding feedback (solid on, the stuck row of the gesture
// table): that IS the stuck indication; the generic fault pattern is for failures that are not the
// technician's hand.
import type { LedPattern } from "../../hal/ports.js";

export interface IndicatorState {
  holding: LedPattern | null;
  confirmWait: boolean;
  /** Monotonic ms until which the done flash shows; null when none. */
  doneUntilMs: number | null;
  /** What shows until doneUntilMs: success, or refused (nothing was done). */
  flash: "done" | "refused" | "status";
  fault: boolean;
  firstBoot: boolean;
}

export const initialIndicator: IndicatorState = {
  holding: null,
  confirmWait: false,
  doneUntilMs: null,
  flash: "done",
  fault: false,
  firstBoot: false,
};

export function chooseLed(s: IndicatorState, nowMs: number): LedPattern {
  if (s.holding) return s.holding;
  if (s.confirmWait) return "confirm-wait";
  if (s.doneUntilMs !== null && nowMs < s.doneUntilMs) return s.flash;
  if (s.fault) return "fault";
  if (s.firstBoot) return "setup-pending";
  return "off";
}

/** When the chosen pattern changes by itself (the done flash ends), or null. */
export function indicatorDeadline(s: IndicatorState, nowMs: number): number | null {
  return s.doneUntilMs !== null && nowMs < s.doneUntilMs ? s.doneUntilMs : null;
}
