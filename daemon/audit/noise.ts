// Noise merging (issue 12): an unauthenticated caller can make the daemon audit a refusal per
// request. Without a bound, tens of thousands of refusals rotate the entries that matter out of
// the log. Within a window, the first occurrence of each distinct failure is written at once;
// its repeats are only counted and written as one entry (first, last, count, source) when the
// window ends. Each category (event name) also has a budget of distinct entries per window;
// beyond it, failures are counted into one `noise-suppressed` entry. So a window writes at most
// 2 x budget + 1 entries per category, whatever the request rate.
import { canonicalJson } from "./entry.js";

export interface NoiseRule {
  windowMs: number;
  /** Distinct entries written per category and window. */
  perCategory: number;
}

export interface NoiseGateDeps {
  rule: NoiseRule;
  /** Monotonic ms, for the window. */
  monotonic(): number;
  /** Wall ms, for the first/last stamps written. */
  now(): number;
  write(event: string, fields: Record<string, unknown>): void;
  /** Runs `fn` once after `ms`; the returned function cancels it. Only armed while noise is pending. */
  schedule(ms: number, fn: () => void): () => void;
}

interface Repeat {
  event: string;
  fields: Record<string, unknown>;
  source: string;
  count: number;
  first: number;
  last: number;
}

interface Category {
  written: number;
  suppressed: number;
  first: number;
  last: number;
  sources: Set<string>;
}

/** Sources named in a `noise-suppressed` entry; the count covers the rest. */
const MAX_SOURCES_NAMED = 8;
/** Bounds memory if an attacker makes every request distinct: beyond this, keys are not kept. */
const MAX_KEYS = 4096;

export class NoiseGate {
  private windowStart = 0;
  private readonly repeats = new Map<string, Repeat>();
  private readonly categories = new Map<string, Category>();
  private cancel: (() => void) | null = null;

  constructor(private readonly d: NoiseGateDeps) {}

  /** One failure of `category`; written, counted as a repeat, or counted as suppressed. */
  offer(category: string, event: string, fields: Record<string, unknown>, source: string): void {
    const mono = this.d.monotonic();
    if (this.cancel && mono - this.windowStart >= this.d.rule.windowMs) this.flush();
    if (!this.cancel) {
      this.windowStart = mono;
      this.cancel = this.d.schedule(this.d.rule.windowMs, () => {
        this.cancel = null;
        this.flush();
      });
    }
    const now = this.d.now();
    const key = `${event}\u0000${source}\u0000${canonicalJson(fields)}`;
    const seen = this.repeats.get(key);
    if (seen) {
      seen.count++;
      seen.last = now;
      return;
    }
    const cat = this.categories.get(category) ?? {
      written: 0,
      suppressed: 0,
      first: now,
      last: now,
      sources: new Set<string>(),
    };
    this.categories.set(category, cat);
    if (cat.written < this.d.rule.perCategory) {
      cat.written++;
      if (this.repeats.size < MAX_KEYS)
        this.repeats.set(key, { event, fields, source, count: 1, first: now, last: now });
      this.d.write(event, fields);
      return;
    }
    if (cat.suppressed === 0) cat.first = now;
    cat.suppressed++;
    cat.last = now;
    if (cat.sources.size < MAX_SOURCES_NAMED) cat.sources.add(source);
  }

  /** Writes the counted entries of the window and starts afresh (also at shutdown). */
  flush(): void {
    this.cancel?.();
    this.cancel = null;
    const iso = (ms: number) => new Date(ms).toISOString();
    for (const r of this.repeats.values()) {
      if (r.count < 2) continue;
      this.d.write(r.event, {
        ...r.fields,
        merged: { count: r.count, first: iso(r.first), last: iso(r.last), source: r.source },
      });
    }
    for (const [category, c] of this.categories) {
      if (c.suppressed === 0) continue;
      this.d.write("noise-suppressed", {
        category,
        count: c.suppressed,
        first: iso(c.first),
        last: iso(c.last),
        sources: [...c.sources],
        windowSeconds: Math.round(this.d.rule.windowMs / 1000),
      });
    }
    this.repeats.clear();
    this.categories.clear();
  }

  /** True while counted noise waits for its window to end. */
  get pending(): boolean {
    return this.cancel !== null;
  }
}
