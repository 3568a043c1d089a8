// recoveryctl sim press <duration>: holds the simulated button, shows the LED/buzzer/tier
// feedback live while holding (what releasing now would do), releases, then reports the press
// the daemon classified and the state it led to.
import type { SimClient } from "../../hal/sim/control-client.js";
import { openEventStream, type StreamEvent } from "../client.js";
import { api, type Ctx, emit, println } from "../context.js";
import { RefusedError } from "../exit.js";
import { formatEvent, formatStatus, releaseText } from "../format.js";
import { withSim } from "./sim-connect.js";

/** How long after release the daemon has to report the press. */
const PRESS_REPORT_MS = 3000;
/** A reset commits before its state event; a short press changes nothing. */
const RESET_STATE_WAIT_MS = 10_000;
const OTHER_SETTLE_MS = 300;
/** tier, LED and buzzer changes of one instant are printed as one line. */
const COALESCE_MS = 40;

function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

class LiveFeedback {
  private tier: string | null = null;
  private tierHeldMs: number | null = null;
  private buzzer: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private startMs = 0;

  constructor(
    private readonly print: (line: string) => void,
    private led: string,
    /** The reset a confirm wait was open for when the press began: it changes what release does. */
    private readonly pending: string | null,
  ) {}

  start(atMs: number): void {
    this.startMs = atMs;
  }

  onEvent(e: StreamEvent): void {
    if (e.type === "tier") {
      this.tier = String(e.data.tier);
      this.tierHeldMs = typeof e.data.heldMs === "number" ? e.data.heldMs : null;
      this.buzzer = null;
    } else if (e.type === "led") this.led = String(e.data.pattern);
    else if (e.type === "buzzer") this.buzzer = String(e.data.pattern);
    else return;
    this.timer ??= setTimeout(() => this.flush(), COALESCE_MS);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.timer === null) return;
    this.timer = null;
    const held = this.tierHeldMs ?? monoMs() - this.startMs;
    this.tierHeldMs = null;
    const secs = `${(held / 1000).toFixed(1)}s`.padStart(6);
    const release = this.tier ? `  → release now: ${releaseText(this.tier, this.pending)}` : "";
    this.print(`${secs}  LED ${this.led.padEnd(12)}  buzzer ${(this.buzzer ?? "-").padEnd(11)}${release}`);
  }
}

export function pressCommand(ctx: Ctx, durationMs: number): Promise<number> {
  return withSim(ctx, (sim) => holdAndReport(ctx, sim, durationMs));
}

async function holdAndReport(ctx: Ctx, sim: SimClient, durationMs: number): Promise<number> {
  const baseline = (await sim.state()).reply;
  if (baseline.pressed) {
    throw new RefusedError("the simulated button is already down; release it first: recoveryctl sim up");
  }
  // The board shows confirm-wait only while a reset waits for its confirming short press.
  const pending = baseline.led === "confirm-wait" ? "pending reset" : null;
  const live = new LiveFeedback((line) => println(ctx.out, line), baseline.led, pending);
  const seen: StreamEvent[] = [];
  let holding = false;
  let press: StreamEvent | undefined;
  let confirm: StreamEvent | undefined;
  let stateAfter: StreamEvent | undefined;
  let wake: () => void = () => {};
  const stream = await openEventStream(ctx.socket, (e) => {
    if (!holding && !press && e.type === "state") return; // the subscription's baseline
    seen.push(e);
    if (holding && !ctx.json) live.onEvent(e);
    if (e.type === "press" && !press) press = e;
    else if (press && e.type === "confirm") confirm = e;
    else if (press && e.type === "state") stateAfter = e;
    wake();
  });
  const until = (cond: () => boolean, ms: number) =>
    new Promise<void>((resolve) => {
      if (cond()) return resolve();
      const timer = setTimeout(resolve, ms);
      wake = () => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        }
      };
    });

  let interrupted = false;
  const release = ctx.onInterrupt(() => {
    interrupted = true;
    wake();
  });
  try {
    if (!ctx.json) println(ctx.out, `Holding the button for ${(durationMs / 1000).toFixed(2)} s...`);
    holding = true;
    const down = await sim.down();
    live.start(down.sentAtMs);
    let up: Awaited<ReturnType<SimClient["up"]>>;
    try {
      // Timed from the moment "down" was sent, like the board's own stamp.
      await until(() => interrupted, Math.max(0, down.sentAtMs + durationMs - monoMs()));
    } finally {
      // Never leave the button down, whatever happened (Ctrl-C included).
      up = await sim.up();
      holding = false;
      live.flush();
    }
    const commandedMs = up.sentAtMs - down.sentAtMs;
    const boardMs = up.reply.atMs - down.reply.atMs;

    await until(() => press !== undefined, PRESS_REPORT_MS);
    if (!press) throw new RefusedError("the daemon did not report a press (is the button armed?)");
    const action = String(press.data.action);
    const resets = action === "credential-reset" || action === "factory-reset";
    await until(() => stateAfter !== undefined, resets ? RESET_STATE_WAIT_MS : OTHER_SETTLE_MS);
    const status = await api(ctx, { path: "/v1/status" });

    emit(
      ctx,
      {
        requestedMs: durationMs,
        commandedMs,
        boardMs,
        press: press.data,
        confirm: confirm?.data ?? null,
        state: stateAfter?.data ?? null,
        status,
        events: seen.map((e) => e.data),
      },
      () =>
        [
          `Released after ${(commandedMs / 1000).toFixed(3)} s (board saw ${(boardMs / 1000).toFixed(3)} s).`,
          formatEvent(press as StreamEvent),
          ...(confirm ? [formatEvent(confirm)] : []),
          ...(confirm?.data.deadline ? ["  confirm with: recoveryctl sim press 0.5s"] : []),
          formatStatus(status),
        ].join("\n"),
    );
    return interrupted ? 130 : 0;
  } finally {
    release();
    stream.close();
  }
}
