// Claim protection (SPEC 4): in first-boot state, setup is allowed while the setup window is open
// (someone is at the recorder) or with a one-time setup token handed to the caller of a remote
// recovery. Pure: the injected clock decides, nothing is stored on disk (a restart forgets tokens
// on purpose: they are valid for minutes, and the boot window takes over).
import type { Clock } from "../clock.js";
import { newToken, TOKEN_PREFIX, tokenHash } from "../crypto/tokens.js";

export class SetupGate {
  /** Monotonic ms at which the window closes; null when closed. */
  private closesAtMono: number | null = null;
  /** SHA-256 (hex) of each live setup token → monotonic expiry. */
  private readonly tokens = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    readonly windowMs: number,
  ) {}

  /** (Re)opens the window for its full length from now. */
  open(): void {
    this.closesAtMono = this.clock.monotonic() + this.windowMs;
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
    const expires = this.clock.monotonic() + this.windowMs;
    this.tokens.set(tokenHash(token).toString("hex"), expires);
    return { token, expiresAt: this.wallIso(expires) };
  }

  /** Is this a live token? Does not use it up. */
  hasToken(token: unknown): boolean {
    if (typeof token !== "string" || token.length === 0 || token.length > 200) return false;
    const key = tokenHash(token).toString("hex");
    const expires = this.tokens.get(key);
    if (expires === undefined) return false;
    if (this.clock.monotonic() >= expires) {
      this.tokens.delete(key);
      return false;
    }
    return true;
  }

  /** Uses the token up: true once, false ever after. */
  consumeToken(token: unknown): boolean {
    if (!this.hasToken(token)) return false;
    this.tokens.delete(tokenHash(token as string).toString("hex"));
    return true;
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
