// Supervises the recoveryd-gpio helper: resolves chip and lines (by label and name) on every start,
// so a chip that comes back under another /dev/gpiochipN is found again; parses its event lines;
// restarts it with exponential backoff when it exits (chip removed, line busy, no permission).
// Never throws into the caller after start: failures go to `onDown`, recoveries to `onUp`.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Config } from "../../daemon/config/schema.js";
import { GpioError } from "../../daemon/errors.js";
import type { Logger } from "../../daemon/log.js";
import { lineOffset, parseChipList, parseUnreadable, pickChip } from "./chips.js";

export interface LinkEvents {
  /** The request holds: `pressed` is the button's logical level right now. */
  onUp(pressed: boolean): void;
  /** A kernel edge of the button: logical level and CLOCK_MONOTONIC ns. */
  onEdge(pressed: boolean, timestampNs: bigint): void;
  /** The helper failed or could not start; it is retried after `retryInMs`. */
  onDown(err: GpioError, retryInMs: number): void;
}

export interface LinkOffsets {
  chip: string;
  button: number;
  led: number;
  buzzer: number | undefined;
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;
/** A helper that leaves a sync unanswered this long is wedged: killed and restarted (a line fault). */
export const SYNC_TIMEOUT_MS = 3000;

export class HelperLink {
  private child: ChildProcess | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryMs = FIRST_RETRY_MS;
  private closed = false;
  private up = false;
  offsets: LinkOffsets | null = null;
  /** Output levels wanted (offset -> on), re-applied after every restart. */
  private readonly outputs = new Map<number, boolean>();
  private nextSyncId = 1;
  private readonly syncs = new Map<number, { done: (ns: bigint | null) => void; timer: NodeJS.Timeout }>();

  constructor(
    private readonly helper: string,
    private readonly cfg: Config["gpio"],
    private readonly log: Logger,
    private readonly events: LinkEvents,
  ) {}

  get isUp(): boolean {
    return this.up;
  }

  /** Starts the helper; resolves once it is up or has failed for the first time. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      const first = { ...this.events };
      let settled = false;
      const settle = () => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      this.launch(
        (p) => {
          first.onUp(p);
          settle();
        },
        (err, ms) => {
          first.onDown(err, ms);
          settle();
        },
      );
    });
  }

  set(offset: number, on: boolean): void {
    this.outputs.set(offset, on);
    if (this.up) this.child?.stdin?.write(`set ${offset} ${on ? 1 : 0}\n`);
  }

  /**
   * Asks the helper to pass on every edge the kernel has queued: `done` gets the helper's clock
   * reading taken before it looked (every edge stamped earlier has then been delivered), null when
   * the helper died first. A helper that is down holds nothing back: answered with `nowNs`.
   */
  sync(nowNs: () => bigint, done: (ns: bigint | null) => void): void {
    const stdin = this.child?.stdin;
    if (!this.up || !stdin) {
      done(nowNs());
      return;
    }
    const id = this.nextSyncId++;
    const timer = setTimeout(() => {
      this.log.error({ timeoutMs: SYNC_TIMEOUT_MS }, "GPIO helper does not answer: restarting it");
      this.child?.kill("SIGKILL");
    }, SYNC_TIMEOUT_MS);
    timer.unref?.();
    this.syncs.set(id, { done, timer });
    stdin.write(`sync ${id}\n`);
  }

  private dropSyncs(): void {
    for (const { done, timer } of this.syncs.values()) {
      clearTimeout(timer);
      done(null);
    }
    this.syncs.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const child = this.child;
    this.child = null;
    this.up = false;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    // Outputs off first (the helper drops the request on exit, leaving the lines as they were).
    for (const offset of this.outputs.keys()) child.stdin?.write(`set ${offset} 0\n`);
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    child.stdin?.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
    await gone;
    clearTimeout(timer);
  }

  private launch(onUp: (p: boolean) => void, onDown: (e: GpioError, ms: number) => void): void {
    if (this.closed) return;
    execFile(this.helper, ["list"], { timeout: 10_000 }, (err, stdout) => {
      if (this.closed) return;
      if (err) return this.failed(new GpioError(`GPIO helper ${this.helper} failed: ${err.message}`), onDown);
      let offsets: LinkOffsets;
      try {
        const chip = pickChip(parseChipList(stdout), this.cfg.chipLabel, parseUnreadable(stdout));
        offsets = {
          chip: chip.path,
          button: lineOffset(chip, this.cfg.button, "gpio.button"),
          led: lineOffset(chip, this.cfg.led, "gpio.led"),
          buzzer: this.cfg.buzzer ? lineOffset(chip, this.cfg.buzzer, "gpio.buzzer") : undefined,
        };
      } catch (e) {
        return this.failed(e as GpioError, onDown);
      }
      this.offsets = offsets;
      this.watch(offsets, onUp, onDown);
    });
  }

  private watch(
    o: LinkOffsets,
    onUp: (p: boolean) => void,
    onDown: (e: GpioError, ms: number) => void,
  ): void {
    const b = this.cfg.button;
    const args = ["watch", o.chip, String(o.button), b.bias, b.activeLow ? "1" : "0"];
    args.push(String(Math.round((b.kernelDebounceMs ?? 0) * 1000)));
    args.push(String(o.led), this.cfg.led.activeLow ? "1" : "0");
    if (o.buzzer !== undefined && this.cfg.buzzer)
      args.push(String(o.buzzer), this.cfg.buzzer.activeLow ? "1" : "0");
    const child = spawn(this.helper, args, { stdio: ["pipe", "pipe", "inherit"] });
    this.child = child;
    let lastError = "";
    child.stdin?.on("error", () => {}); // a dead helper: its exit is what counts
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const [kind, a, b2, c] = line.split(" ");
      if (kind === "edge" && Number(b2) === o.button && c !== undefined) {
        this.events.onEdge(a === "1", BigInt(c));
      } else if (kind === "synced" && c === undefined && b2 !== undefined) {
        const pending = this.syncs.get(Number(a));
        if (pending) {
          this.syncs.delete(Number(a));
          clearTimeout(pending.timer);
          pending.done(BigInt(b2));
        }
      } else if (kind === "ready") {
        this.up = true;
        this.retryMs = FIRST_RETRY_MS;
        for (const [offset, on] of this.outputs) child.stdin?.write(`set ${offset} ${on ? 1 : 0}\n`);
        onUp(a === "1");
      } else if (kind === "error") {
        lastError = line.slice("error ".length);
      }
    });
    child.on("error", (err) => {
      lastError = err.message;
    });
    child.on("exit", (code, signal) => {
      if (this.child === child) this.child = null;
      this.up = false;
      if (this.closed) return this.dropSyncs();
      const why = lastError || `exited (${code ?? signal})`;
      this.failed(new GpioError(`GPIO ${o.chip} line ${o.button}: ${why}`), onDown);
      this.dropSyncs(); // after the fault: the press in progress is aborted, not timed
    });
  }

  private failed(err: GpioError, onDown: (e: GpioError, ms: number) => void): void {
    this.up = false;
    const ms = this.retryMs;
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
    onDown(err, ms);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.launch(
        (p) => this.events.onUp(p),
        (e, next) => this.events.onDown(e, next),
      );
    }, ms);
    this.retryTimer.unref?.();
  }
}
