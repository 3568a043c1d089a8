// Claim protection (SPEC 4): in first-boot state, setup is allowed while the setup window is open
// (someone pressed the button at the recorder) or with a one-time setup token handed to the
// caller of a remote recovery. The window lives in memory only: a restart never opens it, and
// closes one that was open. Setup tokens are kept (as hashes) by the store, so a restart does not
// take them from their caller; they run on elapsed time (clock.ts), not on the wall clock.
import { type Clock, elapsedMs, instantOf } from "../clock.js";
import { newToken, TOKEN_PREFIX, tokenHash } from "../crypto/tokens.js";

export interface SetupTokenStore {
  insert(hash: Buffer, row: { issued: ReturnType<typeof instantOf>; ttlMs: number }): void;
  get(hash: Buffer): { issued: ReturnType<typeof instantOf>; ttlMs: number } | undefined;
  delete(hash: Buffer): boolean;
  clear(): void;
}

/** In-memory token store for the pure tests and for callers without a database. */
export class MemoryTokenStore implements SetupTokenStore {
  private readonly rows = new Map<string, { issued: ReturnType<typeof instantOf>; ttlMs: number }>();
  insert(hash: Buffer, row: { issued: ReturnType<typeof instantOf>; ttlMs: number }): void {
    this.rows.set(hash.toString("hex"), row);
  }
  get(hash: Buffer) {
    return this.rows.get(hash.toString("hex"));
  }
  delete(hash: Buffer): boolean {
    return this.rows.delete(hash.toString("hex"));
  }
  clear(): void {
    this.rows.clear();
  }
}

export class SetupGate {
  /** Monotonic ms at which the window closes; null when closed. */
  private closesAtMono: number | null = null;

  constructor(
    private readonly clock: Clock,
    readonly windowMs: number,
    private readonly tokens: SetupTokenStore = new MemoryTokenStore(),
  ) {}

  /** (Re)opens the window for its full length from now (or for `ms`, when shorter). */
  open(ms = this.windowMs): void {
    this.closesAtMono = this.clock.monotonic() + Math.min(ms, this.windowMs);
  }

  isOpen(): boolean {
    return this.closesAtMono !== null && this.clock.monotonic() < this.closesAtMono;
  }

  /** ISO time the window closes, or null when it is closed. */
  closesAt(): string | null {
    if (!this.isOpen() || this.closesAtMono === null) return null;
    return this.wallIso(this.closesAtMono);
  }

  /** A one-time token valid for the window's length; only its hash is kept. */
  issueToken(): { token: string; expiresAt: string } {
    const token = newToken(TOKEN_PREFIX.setup);
    this.tokens.insert(tokenHash(token), { issued: instantOf(this.clock), ttlMs: this.windowMs });
    return { token, expiresAt: this.wallIso(this.clock.monotonic() + this.windowMs) };
  }

  /** Is this a live token? Does not use it up. */
  hasToken(token: unknown): boolean {
    if (typeof token !== "string" || token.length === 0 || token.length > 200) return false;
    const key = tokenHash(token);
    const row = this.tokens.get(key);
    if (!row) return false;
    const now = instantOf(this.clock);
    // Issued "in the future" means the clock was wrong then or is wrong now: not to be trusted.
    if (row.issued.wall > now.wall + 60_000 || elapsedMs(row.issued, now) >= row.ttlMs) {
      this.tokens.delete(key);
      return false;
    }
    return true;
  }

  /** Uses the token up: true once, false ever after. */
  consumeToken(token: unknown): boolean {
    if (!this.hasToken(token)) return false;
    return this.tokens.delete(tokenHash(token as string));
  }

  /** Closes the window and forgets every token (after a setup, and before a reset opens anew). */
  clear(): void {
    this.closesAtMono = null;
    this.tokens.clear();
  }

  private wallIso(mono: number): string {
    return new Date(this.clock.now() + (mono - this.clock.monotonic())).toISOString();
  }
}
