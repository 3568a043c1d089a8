// Pending reset-request nonces, on disk so a grant for a request made before a reboot still works
// until it expires. Each nonce is consumed once; consumed ones are remembered for a while so a
// replay is refused with its real reason. Everything older than grantMaxHours is pruned, since no
// grant can still be valid for it.
import type { Logger } from "../log.js";
import { readJsonIfExists, writeJsonAtomic } from "./atomic-file.js";

interface Entry {
  nonce: string;
  /** Wall ms: request creation (pending) or consumption (consumed). */
  at: number;
}

interface Snapshot {
  pending: Entry[];
  consumed: Entry[];
}

export interface RequestStoreOptions {
  file: string;
  maxHours: number;
  log: Logger;
  /** Oldest requests are dropped beyond this many, so repeated requests cannot grow the file. */
  maxPending?: number;
}

export class RequestStore {
  private data: Snapshot | undefined;
  private readonly maxPending: number;

  constructor(private readonly opts: RequestStoreOptions) {
    this.maxPending = opts.maxPending ?? 16;
  }

  /** Creation time (wall ms) of a pending request, if that nonce is pending and not too old. */
  async pendingCreatedAt(nonce: string, nowMs: number): Promise<number | undefined> {
    const d = await this.load();
    return d.pending.find((e) => e.nonce === nonce && !this.stale(e, nowMs))?.at;
  }

  async isConsumed(nonce: string): Promise<boolean> {
    return (await this.load()).consumed.some((e) => e.nonce === nonce);
  }

  /** The newest pending request that is not too old (the live one), if any. */
  async live(nowMs: number): Promise<{ nonce: string; at: number } | undefined> {
    const fresh = (await this.load()).pending.filter((e) => !this.stale(e, nowMs));
    const newest = fresh.at(-1);
    return newest && { nonce: newest.nonce, at: newest.at };
  }

  async pendingCount(nowMs: number): Promise<number> {
    return (await this.load()).pending.filter((e) => !this.stale(e, nowMs)).length;
  }

  async add(nonce: string, createdAtMs: number): Promise<void> {
    const d = await this.load();
    const pending = [...d.pending.filter((e) => !this.stale(e, createdAtMs)), { nonce, at: createdAtMs }];
    await this.save({
      pending: pending.slice(-this.maxPending),
      consumed: this.fresh(d.consumed, createdAtMs),
    });
  }

  /** Durably moves a nonce from pending to consumed. Done before the reset it authorises runs. */
  async consume(nonce: string, nowMs: number): Promise<void> {
    const d = await this.load();
    await this.save({
      pending: this.fresh(
        d.pending.filter((e) => e.nonce !== nonce),
        nowMs,
      ),
      consumed: [...this.fresh(d.consumed, nowMs), { nonce, at: nowMs }],
    });
  }

  /** Forgets pending requests (credential reset); consumed nonces stay refused. */
  async dropPending(nowMs: number): Promise<void> {
    const d = await this.load();
    if (d.pending.length === 0) return;
    await this.save({ pending: [], consumed: this.fresh(d.consumed, nowMs) });
  }

  private stale(e: Entry, nowMs: number): boolean {
    return nowMs - e.at > this.opts.maxHours * 3_600_000;
  }

  private fresh(list: Entry[], nowMs: number): Entry[] {
    return list.filter((e) => !this.stale(e, nowMs));
  }

  private async load(): Promise<Snapshot> {
    if (this.data) return this.data;
    let raw: unknown;
    try {
      raw = await readJsonIfExists(this.opts.file);
    } catch (err) {
      // Losing pending requests is the safe direction: their grants are refused, nothing replays.
      this.opts.log.warn({ err, file: this.opts.file }, "reset-request file unreadable; starting empty");
    }
    this.data = parseSnapshot(raw);
    return this.data;
  }

  private async save(next: Snapshot): Promise<void> {
    await writeJsonAtomic(this.opts.file, {
      v: 1,
      pending: next.pending.map((e) => ({ nonce: e.nonce, createdAt: new Date(e.at).toISOString() })),
      consumed: next.consumed.map((e) => ({ nonce: e.nonce, consumedAt: new Date(e.at).toISOString() })),
    });
    this.data = next;
  }
}

function parseSnapshot(raw: unknown): Snapshot {
  const r = (raw ?? {}) as { pending?: unknown; consumed?: unknown };
  return { pending: entries(r.pending, "createdAt"), consumed: entries(r.consumed, "consumedAt") };
}

function entries(list: unknown, timeKey: string): Entry[] {
  if (!Array.isArray(list)) return [];
  const out: Entry[] = [];
  for (const item of list) {
    const e = item as Record<string, unknown>;
    const at = typeof e[timeKey] === "string" ? Date.parse(e[timeKey] as string) : Number.NaN;
    if (typeof e.nonce === "string" && Number.isFinite(at)) out.push({ nonce: e.nonce, at });
  }
  return out;
}
