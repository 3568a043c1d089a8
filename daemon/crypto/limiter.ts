// Bounds how many argon2 computations run at once (each holds its full memory cost) and how many
// may wait. Beyond that a caller is refused with a retry hint instead of queueing without limit.
import { TooManyRequestsError } from "../errors.js";

export interface LimiterStats {
  running: number;
  queued: number;
  /** Highest `running` ever seen: tests assert it never exceeds maxConcurrent. */
  peakRunning: number;
  refused: number;
}

export class Limiter {
  private running = 0;
  private peak = 0;
  private refused = 0;
  private readonly waiting: (() => void)[] = [];
  /** Moving average of one job's duration, for the retry hint. */
  private avgMs = 50;

  constructor(
    readonly maxConcurrent: number,
    readonly maxQueue: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)
      throw new RangeError("maxConcurrent must be >= 1");
    if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new RangeError("maxQueue must be >= 0");
  }

  get stats(): LimiterStats {
    return {
      running: this.running,
      queued: this.waiting.length,
      peakRunning: this.peak,
      refused: this.refused,
    };
  }

  /** Runs `job` when a slot is free; throws TooManyRequestsError at once when the queue is full. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxConcurrent) {
      if (this.waiting.length >= this.maxQueue) {
        this.refused++;
        throw new TooManyRequestsError(this.retryAfterSeconds(), "busy: too many password checks at once");
      }
      // The slot is handed over by release(), so `running` never exceeds the limit.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    this.peak = Math.max(this.peak, this.running);
    const started = this.now();
    try {
      return await job();
    } finally {
      this.avgMs = this.avgMs * 0.8 + (this.now() - started) * 0.2;
      this.release();
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  private retryAfterSeconds(): number {
    const ahead = this.waiting.length + this.running;
    return Math.max(1, Math.ceil((ahead * this.avgMs) / this.maxConcurrent / 1000));
  }
}
