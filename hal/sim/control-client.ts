// Client of the simulated board's control socket, for recoveryctl, the scenario runner, the
// press-timing benchmark and tests. It records the client's own CLOCK_MONOTONIC at the moment it
// sends each command, so a caller can compare the hold it commanded with the hold the daemon saw.
import net from "node:net";
import type {
  BounceReply,
  EdgeReply,
  ErrorReply,
  PlainReply,
  SimReply,
  SimRequest,
  StateReply,
  WatchEvent,
} from "./protocol.js";

export type { BounceReply, EdgeReply, StateReply, WatchEvent } from "./protocol.js";

export interface Sent<R> {
  reply: R;
  /** Client CLOCK_MONOTONIC (process.hrtime.bigint) just before the request was written. */
  sentAtNs: bigint;
  /** The same in ms, comparable with the server's `atMs`. */
  sentAtMs: number;
  receivedAtMs: number;
}

export interface PressResult {
  down: Sent<EdgeReply>;
  up: Sent<EdgeReply>;
  /** The hold as commanded: client send time of "up" minus that of "down". */
  commandedMs: number;
  /** The hold between the server's stamps of the two edges. */
  serverMs: number;
}

/** The server refused a request (`ok: false`). */
export class SimCommandError extends Error {
  constructor(
    message: string,
    readonly reply: ErrorReply | undefined,
  ) {
    super(message);
    this.name = "SimCommandError";
  }
}

export interface SimClientOptions {
  /** Per-request timeout, ms (default 10 s; a bounce gets its own length on top). */
  timeoutMs?: number;
}

type Waiter = {
  resolve: (r: SimReply) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
};

function nowNs(): bigint {
  return process.hrtime.bigint();
}

function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6;
}

export class SimClient {
  private buffer = "";
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private readonly watchers = new Set<(e: WatchEvent) => void>();
  private closedError: Error | null = null;

  private constructor(
    private readonly socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("close", () => this.failAll(new SimCommandError("sim control socket closed", undefined)));
    socket.on("error", (err) => this.failAll(err));
  }

  static connect(socketPath: string, opts: SimClientOptions = {}): Promise<SimClient> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(socketPath);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new SimClient(socket, opts.timeoutMs ?? 10_000));
      });
    });
  }

  down(): Promise<Sent<EdgeReply>> {
    return this.request<EdgeReply>({ op: "down" });
  }

  up(): Promise<Sent<EdgeReply>> {
    return this.request<EdgeReply>({ op: "up" });
  }

  /** Holds the button for `holdMs`, timed from the moment "down" was sent. */
  async press(holdMs: number): Promise<PressResult> {
    const down = await this.down();
    // Node timers can wake up to a millisecond early: sleep in whole ms, then yield until due.
    for (
      let rem = holdMs - (nsToMs(nowNs()) - down.sentAtMs);
      rem > 0;
      rem = holdMs - (nsToMs(nowNs()) - down.sentAtMs)
    ) {
      await new Promise((r) => (rem > 1 ? setTimeout(r, Math.floor(rem)) : setImmediate(r)));
    }
    const up = await this.up();
    return {
      down,
      up,
      commandedMs: nsToMs(up.sentAtNs - down.sentAtNs),
      serverMs: up.reply.atMs - down.reply.atMs,
    };
  }

  bounce(count: number, intervalMs: number, settle?: "down" | "up"): Promise<Sent<BounceReply>> {
    const req: SimRequest = settle
      ? { op: "bounce", count, intervalMs, settle }
      : { op: "bounce", count, intervalMs };
    return this.request<BounceReply>(req, count * 2 * intervalMs + intervalMs);
  }

  state(): Promise<Sent<StateReply>> {
    return this.request<StateReply>({ op: "state" });
  }

  /** Injects a GPIO failure on the simulated button line. */
  fail(message?: string): Promise<Sent<PlainReply>> {
    return this.request<PlainReply>(message === undefined ? { op: "fail" } : { op: "fail", message });
  }

  repair(): Promise<Sent<PlainReply>> {
    return this.request<PlainReply>({ op: "repair" });
  }

  /** Streams board (and, when wired, daemon) events to `listener`; resolves with the current state. */
  watch(listener: (e: WatchEvent) => void): Promise<Sent<StateReply>> {
    this.watchers.add(listener);
    return this.request<StateReply>({ op: "watch" });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once("close", () => resolve());
      this.socket.end();
    });
  }

  private request<R extends SimReply>(req: SimRequest, extraTimeoutMs = 0): Promise<Sent<R>> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise<Sent<R>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new SimCommandError(`sim "${req.op}" got no reply in time`, undefined));
      }, this.timeoutMs + extraTimeoutMs);
      const line = `${JSON.stringify({ ...req, id })}\n`;
      const sentAtNs = nowNs();
      this.waiting.set(id, {
        timer,
        reject,
        resolve: (reply) => {
          const receivedAtMs = nsToMs(nowNs());
          if (!reply.ok) reject(new SimCommandError(reply.error, reply));
          else resolve({ reply: reply as R, sentAtNs, sentAtMs: nsToMs(sentAtNs), receivedAtMs });
        },
      });
      this.socket.write(line);
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    for (let nl = this.buffer.indexOf("\n"); nl >= 0; nl = this.buffer.indexOf("\n")) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (!line.trim()) continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        continue; // not ours to interpret; the server only sends JSON
      }
      this.dispatch(msg as SimReply | WatchEvent);
    }
  }

  private dispatch(msg: SimReply | WatchEvent): void {
    if ("event" in msg) {
      for (const fn of this.watchers) fn(msg);
      return;
    }
    const id = typeof msg.id === "number" ? msg.id : undefined;
    const waiter = id === undefined ? undefined : this.waiting.get(id);
    if (!waiter || id === undefined) return;
    this.waiting.delete(id);
    clearTimeout(waiter.timer);
    waiter.resolve(msg);
  }

  private failAll(err: Error): void {
    this.closedError ??= err;
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiting.clear();
  }
}

/** Connects to `<runtimeDir>/sim.sock` (or any socket path). */
export function connectSim(socketPath: string, opts?: SimClientOptions): Promise<SimClient> {
  return SimClient.connect(socketPath, opts);
}
