// Bounds how many argon2 computations run at once (each holds its full memory cost) and shares
// them fairly (issue 12). Waiting jobs queue per lane (one lane per API connection), and lanes are
// served round-robin, so one client pipelining hundreds of logins gets one turn in N like everyone
// else. Each lane may queue only a few jobs and all lanes together `maxQueue`; beyond that a caller
// is refused at once with a retry hint (429 + Retry-After). Jobs of callers that presented a valid
// session or token (and the daemon's own work) have a queue of their own that is served first and
// that strangers cannot fill; with more than one slot, one slot is theirs alone.
import { TooManyRequestsError } from "../errors.js";

export interface LimiterStats {
  running: number;
  queued: number;
  /** Highest `running` ever seen: tests assert it never exceeds maxConcurrent. */
  peakRunning: number;
  refused: number;
}

/** Which queue a job waits in; undefined means the daemon's own work (priority, one lane). */
export interface Lane {
  key: string;
  priority: boolean;
}

interface Waiter {
  resolve: () => void;
  priority: boolean;
}

export interface LimiterOptions {
  /** Jobs one lane may have waiting; default max(2, maxQueue / 8). */
  perLane?: number;
  /** The lane of the job being submitted (from the request context). */
  laneOf?: () => Lane | undefined;
  now?: () => number;
}

export class Limiter {
  private running = 0;
  private runningNormal = 0;
  private peak = 0;
  private refused = 0;
  private readonly priority: Waiter[] = [];
  private readonly lanes = new Map<string, Waiter[]>();
  /** Lane keys in round-robin order; a lane is in here while it has waiters. */
  private readonly order: string[] = [];
  private queuedNormal = 0;
  /** Moving average of one job's duration, for the retry hint. */
  private avgMs = 50;
  private readonly perLane: number;
  private readonly laneOf: () => Lane | undefined;
  private readonly now: () => number;

  constructor(
    readonly maxConcurrent: number,
    readonly maxQueue: number,
    opts: LimiterOptions | (() => number) = {},
  ) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)
      throw new RangeError("maxConcurrent must be >= 1");
    if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new RangeError("maxQueue must be >= 0");
    const o = typeof opts === "function" ? { now: opts } : opts;
    this.perLane = o.perLane ?? Math.max(2, Math.floor(maxQueue / 8));
    this.laneOf = o.laneOf ?? (() => undefined);
    this.now = o.now ?? (() => performance.now());
  }

  get stats(): LimiterStats {
    return {
      running: this.running,
      queued: this.priority.length + this.queuedNormal,
      peakRunning: this.peak,
      refused: this.refused,
    };
  }

  /** Slots strangers may use: all of them with one slot, all but one otherwise. */
  private get normalSlots(): number {
    return this.maxConcurrent > 1 ? this.maxConcurrent - 1 : 1;
  }

  /** Runs `job` when a slot is free; throws TooManyRequestsError at once when its queue is full. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    const lane = this.laneOf();
    const priority = lane === undefined || lane.priority;
    if (this.canStart(priority)) {
      this.take(priority);
    } else {
      await new Promise<void>((resolve) => this.enqueue(lane, priority, resolve));
    }
    this.peak = Math.max(this.peak, this.running);
    const started = this.now();
    try {
      return await job();
    } finally {
      this.avgMs = this.avgMs * 0.8 + (this.now() - started) * 0.2;
      this.release(priority);
    }
  }

  private canStart(priority: boolean): boolean {
    if (this.running >= this.maxConcurrent) return false;
    if (priority) return true;
    // Strangers wait behind signed-in callers and never take the last reserved slot.
    return this.priority.length === 0 && this.runningNormal < this.normalSlots;
  }

  private take(priority: boolean): void {
    this.running++;
    if (!priority) this.runningNormal++;
  }

  private enqueue(lane: Lane | undefined, priority: boolean, resolve: () => void): void {
    if (priority) {
      if (this.priority.length >= this.maxQueue) throw this.refuse("busy: too many password checks at once");
      this.priority.push({ resolve, priority });
      return;
    }
    const key = lane?.key ?? "-";
    const queue = this.lanes.get(key) ?? [];
    if (queue.length >= this.perLane)
      throw this.refuse("busy: too many password checks from this connection");
    if (this.queuedNormal >= this.maxQueue) throw this.refuse("busy: too many password checks at once");
    queue.push({ resolve, priority });
    if (queue.length === 1) {
      this.lanes.set(key, queue);
      this.order.push(key);
    }
    this.queuedNormal++;
  }

  private refuse(message: string): TooManyRequestsError {
    this.refused++;
    return new TooManyRequestsError(this.retryAfterSeconds(), message);
  }

  private release(priority: boolean): void {
    this.running--;
    if (!priority) this.runningNormal--;
    this.dispatch();
  }

  /** Hands free slots over: the priority queue first, then one job per lane in turn. */
  private dispatch(): void {
    for (;;) {
      if (this.running >= this.maxConcurrent) return;
      const p = this.priority.shift();
      if (p) {
        this.take(true);
        p.resolve();
        continue;
      }
      if (this.runningNormal >= this.normalSlots) return;
      const key = this.order.shift();
      if (key === undefined) return;
      const queue = this.lanes.get(key) as Waiter[];
      const w = queue.shift() as Waiter;
      this.queuedNormal--;
      if (queue.length > 0) this.order.push(key);
      else this.lanes.delete(key);
      this.take(false);
      w.resolve();
    }
  }

  private retryAfterSeconds(): number {
    const ahead = this.priority.length + this.queuedNormal + this.running;
    return Math.max(1, Math.ceil((ahead * this.avgMs) / this.maxConcurrent / 1000));
  }
}
