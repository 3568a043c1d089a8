// The imperative shell around the press engine: board edges in, LED/buzzer/events/actions out.
// It owns at most one timer (the engine's next deadline or the end of the done flash) and none at
// all while nothing is pending, so an idle daemon does not wake itself.
import type { Board, BuzzerPattern, LedPattern } from "../../hal/ports.js";
import type { Clock } from "../clock.js";
import type { ButtonConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import type { DaemonEvent } from "../services.js";
import { type Effect, type PressAction, PressEngine } from "./engine.js";
import { chooseLed, type IndicatorState, indicatorDeadline, initialIndicator } from "./indicator.js";

/** One period of the "status" pattern: exactly one blink. */
const STATUS_BLINK_MS = 1000;

export interface ActionRequest {
  action: PressAction;
  /** The qualifying hold started before the daemon armed. */
  boot: boolean;
  /** A confirming short press was given. */
  confirmed: boolean;
  /** Length of the qualifying hold, ms. */
  durationMs: number;
}

export interface PressControllerOptions {
  board: Board;
  button: ButtonConfig;
  clock: Clock;
  log: Logger;
  /** Performs an action; call `actionDone()` when it completed to start the done flash. */
  onAction: (a: ActionRequest) => void | Promise<void>;
  onEvent: (e: DaemonEvent) => void;
}

export class PressController {
  private readonly engine: PressEngine;
  private indicator: IndicatorState = { ...initialIndicator };
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt: number | null = null;
  /** A deadline is due and the board's sync is outstanding: the engine waits for its watermark. */
  private syncing = false;
  private shownLed: LedPattern | null = null;
  private shownFault: string | null = null;
  private stuck = false;
  private gpioFault = false;
  private externalFault: string | null = null;
  private armed = false;
  private closed = false;

  constructor(private readonly opts: PressControllerOptions) {
    this.engine = new PressEngine(opts.button);
  }

  /** Reads the current level (a button already down is a boot hold) and starts listening. */
  arm(): void {
    if (this.armed || this.closed) return;
    this.armed = true;
    const { board, clock, log } = this.opts;
    let pressed = false;
    try {
      pressed = board.button.isPressed();
    } catch (err) {
      this.onLineError(err);
    }
    board.button.onEdge((e) => this.onEdge(e.pressed, e.atMs));
    board.button.onError((err) => this.onLineError(err));
    board.button.onRecover?.(() => this.onLineRecovered());
    if (pressed)
      log.warn("reset button is already pressed at start: boot hold, any reset will need confirming");
    this.run(this.engine.arm(clock.monotonic(), pressed));
  }

  /** The rest of the daemon's state that the LED reflects. */
  setIndicatorState(s: { firstBoot?: boolean; fault?: string | null }): void {
    if (s.firstBoot !== undefined) this.indicator = { ...this.indicator, firstBoot: s.firstBoot };
    if (s.fault !== undefined) this.externalFault = s.fault;
    this.refresh();
  }

  /** The action handed to onAction completed: flash "done" for doneFlashMs. */
  actionDone(): void {
    this.flash("done");
  }

  /** Feedback for something that did not come from the button (a USB grant file): LED + buzzer. */
  showOutcome(accepted: boolean): void {
    this.chirp(accepted ? "confirm" : "error");
    this.flash(accepted ? "done" : "refused");
  }

  /** A short press on a provisioned recorder: one status blink and a chirp (issue 15). */
  statusShown(): void {
    this.chirp("confirm");
    this.flash("status", STATUS_BLINK_MS);
  }

  private flash(pattern: "done" | "refused" | "status", ms = this.opts.button.doneFlashMs): void {
    if (this.closed) return;
    const until = this.opts.clock.monotonic() + ms;
    this.indicator = { ...this.indicator, doneUntilMs: until, flash: pattern };
    this.refresh();
  }

  private chirp(pattern: BuzzerPattern): void {
    if (this.closed || !this.opts.board.buzzer) return;
    this.opts.board.buzzer.play(pattern);
    this.opts.onEvent({ type: "buzzer", pattern });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = null;
  }

  /** How late the board's edges may arrive after their stamps (board "gpiod"); see ButtonPort. */
  private get lagMs(): number {
    return this.opts.board.button.deliveryLagMs ?? 0;
  }

  private onEdge(pressed: boolean, atMs: number): void {
    if (this.closed) return;
    if (this.gpioFault) {
      // The line delivers edges again, so the fault is over; the engine restarted from "released".
      this.gpioFault = false;
      this.opts.log.info("reset button line works again");
    }
    this.run(this.engine.edge(pressed, atMs));
  }

  private onLineRecovered(): void {
    if (this.closed || !this.gpioFault) return;
    this.gpioFault = false;
    this.opts.log.info("reset button line works again");
    this.refresh();
  }

  private onLineError(err: unknown): void {
    if (this.closed) return;
    this.opts.log.error({ err }, "reset button line failed: not counted as a press");
    this.gpioFault = true;
    this.run(this.engine.lineFault(this.opts.clock.monotonic()));
  }

  private onTimer(): void {
    this.timer = null;
    this.timerAt = null;
    if (this.closed) return;
    const now = this.opts.clock.monotonic();
    const due = this.engine.nextDeadline();
    const { button } = this.opts.board;
    if (button.sync && due !== null && due <= now - this.lagMs) {
      if (this.syncing) {
        this.refresh(); // an indicator deadline while the sync is out
        return;
      }
      // The board may hold edges stamped before the deadline (a starved helper, a busy loop): the
      // engine passes the deadline only once the board says every earlier edge is delivered.
      this.syncing = true;
      button.sync((watermark) => {
        this.syncing = false;
        if (this.closed) return;
        // null: the line failed and its fault path aborted the press; else tick up to the watermark.
        if (watermark === null) this.refresh();
        else this.run(this.engine.tick(Math.min(watermark, this.opts.clock.monotonic()) - this.lagMs));
      });
      this.refresh(); // indicator deadlines (the done flash) do not wait for the sync
      return;
    }
    // The engine only sees time up to now - lag: an edge still in flight may be stamped earlier.
    this.run(this.engine.tick(now - this.lagMs));
  }

  private run(effects: Effect[]): void {
    for (const e of effects) this.apply(e);
    this.refresh();
  }

  private apply(e: Effect): void {
    const { board, log, onEvent } = this.opts;
    switch (e.type) {
      case "tier":
        onEvent({ type: "tier", tier: e.tier, heldMs: round(e.heldMs) });
        if (e.tier !== "short") log.info({ tier: e.tier, heldMs: round(e.heldMs) }, "button held into tier");
        break;
      case "led":
        this.indicator = { ...this.indicator, holding: e.pattern };
        break;
      case "buzzer":
        if (board.buzzer) {
          board.buzzer.play(e.pattern);
          onEvent({ type: "buzzer", pattern: e.pattern });
        }
        break;
      case "press": {
        const action = pressEventAction(e.outcome, e.action);
        const fields = {
          tier: e.tier,
          durationMs: round(e.durationMs),
          boot: e.boot,
          outcome: e.outcome,
          action,
        };
        log.info(fields, "button press classified");
        onEvent({ type: "press", tier: e.tier, durationMs: fields.durationMs, boot: e.boot, action });
        break;
      }
      case "confirm-wait":
        this.indicator = { ...this.indicator, confirmWait: true };
        log.info(
          { action: e.action, windowMs: round(e.deadline - e.atMs) },
          "waiting for a confirming short press",
        );
        onEvent({ type: "confirm", action: e.action, deadline: this.wallIso(e.deadline) });
        break;
      case "confirm-expired":
        this.indicator = { ...this.indicator, confirmWait: false };
        log.info({ action: e.action, reason: e.reason }, "confirmation not given: nothing done");
        onEvent({ type: "confirm", action: e.action, deadline: null, outcome: e.reason });
        // A press too long to confirm is a mistake worth telling apart from a timeout (issue 15).
        if (e.reason === "other-press") {
          this.chirp("error");
          const until = this.opts.clock.monotonic() + this.opts.button.doneFlashMs;
          this.indicator = { ...this.indicator, doneUntilMs: until, flash: "refused" };
        }
        break;
      case "action":
        if (e.confirmed) {
          this.indicator = { ...this.indicator, confirmWait: false };
          onEvent({ type: "confirm", action: e.action, deadline: null, outcome: "confirmed" });
        }
        log.info({ action: e.action, boot: e.boot, confirmed: e.confirmed }, "button action");
        this.perform({
          action: e.action,
          boot: e.boot,
          confirmed: e.confirmed,
          durationMs: round(e.durationMs),
        });
        break;
      case "aborted":
        log.warn({ heldMs: round(e.heldMs) }, "press in progress dropped: the button line failed");
        break;
      case "fault":
        this.stuck = e.fault === "stuck";
        if (this.stuck)
          log.warn("reset button held past the stuck limit: treated as stuck, nothing will happen");
        break;
    }
  }

  private perform(a: ActionRequest): void {
    try {
      Promise.resolve(this.opts.onAction(a)).catch((err: unknown) =>
        this.opts.log.error({ err, action: a.action }, "button action failed"),
      );
    } catch (err) {
      this.opts.log.error({ err, action: a.action }, "button action failed");
    }
  }

  /** Brings LED, fault and the single timer in line with the current state. */
  private refresh(): void {
    if (this.closed) return;
    const fault = this.gpioFault ? "gpio" : this.stuck ? "stuck" : this.externalFault;
    if (fault !== this.shownFault) {
      this.shownFault = fault;
      this.opts.onEvent({ type: "fault", fault });
    }
    const now = this.opts.clock.monotonic();
    if (this.indicator.doneUntilMs !== null && now >= this.indicator.doneUntilMs) {
      this.indicator = { ...this.indicator, doneUntilMs: null };
    }
    const led = chooseLed({ ...this.indicator, fault: fault !== null }, now);
    if (led !== this.shownLed) {
      this.shownLed = led;
      this.opts.board.led.set(led);
      this.opts.onEvent({ type: "led", pattern: led });
    }
    this.schedule(now);
  }

  private schedule(now: number): void {
    const engineAt = this.engine.nextDeadline();
    const candidates = [
      engineAt === null || this.syncing ? null : engineAt + this.lagMs,
      indicatorDeadline(this.indicator, now),
    ];
    let next: number | null = null;
    for (const c of candidates) if (c !== null && (next === null || c < next)) next = c;
    if (next === this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = next;
    if (next === null) return;
    // Rounded up: waking a hair early would only cost a second 1 ms timer.
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, Math.ceil(next - now)));
  }

  private wallIso(monoMs: number): string {
    const { clock } = this.opts;
    return new Date(clock.now() + (monoMs - clock.monotonic())).toISOString();
  }
}

/** The `action` field of a press event: what the press did or leads to. */
function pressEventAction(outcome: string, action: PressAction | null): string {
  if (outcome === "action" && action) return action;
  if (outcome === "await-confirm") return "confirm-wait";
  if (outcome === "confirmation") return "confirmation";
  return "none";
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
