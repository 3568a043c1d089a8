// The press engine: raw button edges in, typed effects out. Pure: no timers, no I/O, no clock.
// Every call carries its own time; the shell sets one timer for `nextDeadline()` and calls `tick`.
//
// Debounce. A level counts once the raw input has stayed at it for `debounceMs` (a pulse of
// exactly `debounceMs` counts, anything shorter is a glitch). While a transition away from the
// stable level is under way, its start is the FIRST raw edge that left the stable level; the
// transition commits with that start time, or is dropped once the raw input has been back at the
// stable level for `debounceMs`. So a clean 7000 ms press measures 7000 ms, and contact bounce at
// either end does not stretch or shorten it.
//
// Classification happens on release (see tiers.ts for the boundaries). Live feedback (tier, LED,
// buzzer) fires at press start + threshold, only while the raw input is down: during a release that
// is still being debounced nothing is announced, so the feedback never promises a tier that the
// release will not give. If that release turns out to be a glitch, the overdue feedback fires when
// the input goes down again.
//
// Confirmation. Factory holds, and any reset qualified by a boot hold, end in a confirm wait: the
// window is [release, release + confirmWindowMs), so a press whose first raw edge comes at exactly
// the deadline is too late (the deadline fires before an edge at the same instant, like every
// other deadline). A press that starts in the window decides, even if it is only debounced after
// the deadline: a short press performs the pending action and is consumed; any longer press
// cancels the wait and is then classified as a press of its own.
//
// Times are CLOCK_MONOTONIC ms. Out-of-order times are clamped to the latest seen; edges before
// `arm` are ignored.
import type { BuzzerPattern, LedPattern } from "../../hal/ports.js";
import type { ButtonConfig } from "../config/schema.js";
import {
  classifyHold,
  holdingLed,
  nextTier,
  type PressAction,
  type ResetAction,
  releaseOutcome,
  type Tier,
  tierBuzzer,
  tierStartMs,
} from "./tiers.js";

export type { PressAction, ResetAction, Tier } from "./tiers.js";

/** What became of a classified press. */
export type PressOutcome = "action" | "await-confirm" | "confirmation" | "none";

export type Effect =
  /** The held button entered a tier (live; "short" = the press was recognised). */
  | { type: "tier"; tier: Tier; heldMs: number; atMs: number }
  /** Holding feedback for the LED; null = none (the indicator shows its usual pattern). */
  | { type: "led"; pattern: LedPattern | null; atMs: number }
  | { type: "buzzer"; pattern: BuzzerPattern; atMs: number }
  /** A press was released and classified. `action` is what it triggered or will trigger once confirmed. */
  | {
      type: "press";
      tier: Tier;
      durationMs: number;
      boot: boolean;
      startMs: number;
      endMs: number;
      outcome: PressOutcome;
      action: PressAction | null;
      atMs: number;
    }
  /** Perform this now. `durationMs` is the qualifying hold (not the confirming press). */
  | {
      type: "action";
      action: PressAction;
      boot: boolean;
      confirmed: boolean;
      durationMs: number;
      atMs: number;
    }
  | { type: "confirm-wait"; action: ResetAction; deadline: number; atMs: number }
  | {
      type: "confirm-expired";
      action: ResetAction;
      reason: "timeout" | "other-press" | "line-fault";
      atMs: number;
    }
  /** A press in progress was dropped because the line failed; it is never classified. */
  | { type: "aborted"; heldMs: number; atMs: number }
  | { type: "fault"; fault: "stuck" | null; atMs: number };

export type EngineConfig = Pick<
  ButtonConfig,
  "debounceMs" | "shortMaxMs" | "credentialMs" | "factoryMs" | "stuckMs" | "confirmWindowMs"
>;

interface Press {
  startMs: number;
  boot: boolean;
  /** Highest tier announced so far. */
  tier: Tier;
}

interface Confirm {
  action: ResetAction;
  deadline: number;
  holdMs: number;
  boot: boolean;
}

type Deadline = { atMs: number; kind: "debounce" | "tier" | "confirm" };

export class PressEngine {
  private armed = false;
  private now = Number.NEGATIVE_INFINITY;
  /** Debounced level. */
  private stable = false;
  private raw = false;
  private rawAt = 0;
  /** First raw edge of a transition away from `stable`, while one is being debounced. */
  private pendingSince: number | null = null;
  private press: Press | null = null;
  private confirm: Confirm | null = null;

  constructor(private readonly cfg: EngineConfig) {}

  /** Starts watching. A button already down is timed from now and counts as a boot hold. */
  arm(nowMs: number, pressedAtArm: boolean): Effect[] {
    if (this.armed) throw new Error("press engine already armed");
    this.armed = true;
    this.now = nowMs;
    this.stable = this.raw = pressedAtArm;
    this.rawAt = nowMs;
    const out: Effect[] = [];
    if (pressedAtArm) this.startPress(nowMs, nowMs, true, out);
    return out;
  }

  /** A raw (undebounced) edge. Repeats of the current raw level are ignored. */
  edge(pressed: boolean, atMs: number): Effect[] {
    if (!this.armed) return [];
    const out: Effect[] = [];
    const t = Math.max(atMs, this.now);
    this.advance(t, out);
    if (pressed === this.raw) return out;
    this.raw = pressed;
    this.rawAt = t;
    if (this.pendingSince === null) this.pendingSince = t;
    // Feedback held back during a release glitch is due again now that the input is down.
    if (pressed) this.advance(t, out);
    return out;
  }

  /** Lets time pass: fires every deadline up to `nowMs`. */
  tick(nowMs: number): Effect[] {
    if (!this.armed) return [];
    const out: Effect[] = [];
    this.advance(Math.max(nowMs, this.now), out);
    return out;
  }

  /**
   * The line failed (read error, vanished). Deadlines already due are honoured; then whatever was in
   * progress is dropped: a press is never classified across a failure, and a pending confirmation
   * is cancelled. Afterwards the button counts as released and a press needs a fresh down edge.
   */
  lineFault(nowMs: number): Effect[] {
    if (!this.armed) return [];
    const out: Effect[] = [];
    const t = Math.max(nowMs, this.now);
    this.advance(t, out);
    if (this.press) {
      out.push({ type: "aborted", heldMs: t - this.press.startMs, atMs: t });
      this.endFeedback(this.press, t, out);
      this.press = null;
    }
    if (this.confirm) {
      out.push({ type: "confirm-expired", action: this.confirm.action, reason: "line-fault", atMs: t });
      this.confirm = null;
    }
    this.stable = this.raw = false;
    this.rawAt = t;
    this.pendingSince = null;
    return out;
  }

  /** When the shell must call `tick` next (monotonic ms), or null when nothing is pending. */
  nextDeadline(): number | null {
    return this.earliest()?.atMs ?? null;
  }

  /** Debounced level. */
  get pressed(): boolean {
    return this.stable;
  }

  get pendingConfirm(): Readonly<Confirm> | null {
    return this.confirm;
  }

  private earliest(): Deadline | null {
    // Order of the candidates = order of processing at equal times.
    const candidates: Deadline[] = [];
    if (this.pendingSince !== null) {
      candidates.push({ atMs: this.rawAt + this.cfg.debounceMs, kind: "debounce" });
    }
    if (this.press && this.raw) {
      const next = nextTier(this.press.tier);
      if (next) candidates.push({ atMs: this.press.startMs + tierStartMs(next, this.cfg), kind: "tier" });
    }
    if (this.confirm && !this.press) {
      // A press that started in time is still being debounced: wait for its verdict.
      const pressStarting = this.pendingSince !== null && this.pendingSince < this.confirm.deadline;
      if (!pressStarting) candidates.push({ atMs: this.confirm.deadline, kind: "confirm" });
    }
    let best: Deadline | null = null;
    for (const c of candidates) if (!best || c.atMs < best.atMs) best = c;
    return best;
  }

  private advance(t: number, out: Effect[]): void {
    for (let d = this.earliest(); d && d.atMs <= t; d = this.earliest()) {
      // An overdue deadline (a confirmation that was waiting on a glitch) fires "now", not in the past.
      this.now = Math.max(this.now, d.atMs);
      if (d.kind === "debounce") this.settle(out);
      else if (d.kind === "tier") this.reachTier(out);
      else this.expireConfirm(out);
    }
    this.now = Math.max(this.now, t);
  }

  private settle(out: Effect[]): void {
    const since = this.pendingSince;
    this.pendingSince = null;
    if (since === null || this.raw === this.stable) return; // a glitch: back where it was
    this.stable = this.raw;
    if (this.stable) this.startPress(since, this.now, false, out);
    else this.release(since, out);
  }

  private startPress(startMs: number, atMs: number, boot: boolean, out: Effect[]): void {
    this.press = { startMs, boot, tier: "short" };
    out.push({ type: "tier", tier: "short", heldMs: atMs - startMs, atMs });
  }

  private reachTier(out: Effect[]): void {
    const press = this.press;
    const tier = press && nextTier(press.tier);
    if (!press || !tier) return;
    press.tier = tier;
    const at = this.now;
    out.push({ type: "tier", tier, heldMs: tierStartMs(tier, this.cfg), atMs: at });
    const led = holdingLed(tier);
    if (led) out.push({ type: "led", pattern: led, atMs: at });
    const sound = tierBuzzer(tier);
    if (sound) out.push({ type: "buzzer", pattern: sound, atMs: at });
    if (tier === "stuck") out.push({ type: "fault", fault: "stuck", atMs: at });
  }

  private endFeedback(press: Press, at: number, out: Effect[]): void {
    if (holdingLed(press.tier) !== null) out.push({ type: "led", pattern: null, atMs: at });
    if (press.tier === "stuck") out.push({ type: "fault", fault: null, atMs: at });
  }

  private release(endMs: number, out: Effect[]): void {
    const press = this.press;
    if (!press) return;
    this.press = null;
    const at = this.now;
    const durationMs = endMs - press.startMs;
    const tier = classifyHold(durationMs, this.cfg);
    this.endFeedback(press, at, out);
    const base = {
      type: "press",
      tier,
      durationMs,
      boot: press.boot,
      startMs: press.startMs,
      endMs,
      atMs: at,
    } as const;

    const confirm = this.confirm;
    if (confirm) {
      this.confirm = null;
      if (tier === "short") {
        out.push({ ...base, outcome: "confirmation", action: confirm.action });
        out.push({ type: "buzzer", pattern: "confirm", atMs: at });
        out.push({
          type: "action",
          action: confirm.action,
          boot: confirm.boot,
          confirmed: true,
          durationMs: confirm.holdMs,
          atMs: at,
        });
        return;
      }
      out.push({ type: "confirm-expired", action: confirm.action, reason: "other-press", atMs: at });
    }

    const outcome = releaseOutcome(tier, press.boot);
    if (outcome.kind === "none") {
      out.push({ ...base, outcome: "none", action: null });
    } else if (outcome.kind === "action") {
      out.push({ ...base, outcome: "action", action: outcome.action });
      out.push({
        type: "action",
        action: outcome.action,
        boot: press.boot,
        confirmed: false,
        durationMs,
        atMs: at,
      });
    } else {
      const deadline = endMs + this.cfg.confirmWindowMs;
      this.confirm = { action: outcome.action, deadline, holdMs: durationMs, boot: press.boot };
      out.push({ ...base, outcome: "await-confirm", action: outcome.action });
      out.push({ type: "confirm-wait", action: outcome.action, deadline, atMs: at });
      out.push({ type: "buzzer", pattern: "confirm", atMs: at });
    }
  }

  private expireConfirm(out: Effect[]): void {
    const confirm = this.confirm;
    if (!confirm) return;
    this.confirm = null;
    out.push({ type: "confirm-expired", action: confirm.action, reason: "timeout", atMs: this.now });
    out.push({ type: "buzzer", pattern: "error", atMs: this.now });
  }
}
