// A small hand-written AccountService for recovery tests: it records every credential reset so a
// test can assert that a refused recovery attempt changed nothing.
import { randomBytes } from "node:crypto";
import { NotFoundError, UnauthorizedError } from "../../daemon/errors.js";
import type {
  AccountService,
  CredentialStatus,
  LoginResult,
  Principal,
  ResetOptions,
  ResetOutcome,
  ResetReason,
  SetupRequest,
  UserView,
} from "../../daemon/services.js";

export interface RecordedReset {
  reason: ResetReason;
  opts: ResetOptions;
  generation: number;
}

export class MemoryAccounts implements AccountService {
  generation = 1;
  readonly resets: RecordedReset[] = [];
  users: UserView[] = [{ username: "admin", role: "admin", createdAt: "2026-01-01T00:00:00.000Z" }];
  windowOpen = false;
  /** Make the next credentialReset fail (store unavailable, say). */
  failNext: Error | null = null;

  status(): CredentialStatus {
    return {
      state: this.users.length ? "provisioned" : "first-boot",
      generation: this.generation,
      accounts: this.users.length,
      setupWindow: { open: this.windowOpen, closesAt: null },
      lockout: { lockedAccounts: [] },
      lastReset: null,
    };
  }
  async setup(req: SetupRequest): Promise<UserView> {
    const u: UserView = { username: req.username, role: "admin", createdAt: new Date(0).toISOString() };
    this.users.push(u);
    return u;
  }
  async login(): Promise<LoginResult> {
    throw new UnauthorizedError();
  }
  logout(): void {}
  authenticate(): Principal {
    throw new UnauthorizedError();
  }
  async changePassword(): Promise<void> {}
  listUsers(): UserView[] {
    return this.users;
  }
  async createUser(): Promise<UserView> {
    throw new NotFoundError();
  }
  deleteUser(): void {}
  createToken(): { token: string; id: string; name: string; expiresAt: string } {
    throw new NotFoundError();
  }
  listTokens(): [] {
    return [];
  }
  revokeToken(): void {
    throw new NotFoundError();
  }
  openSetupWindow(): void {
    if (this.users.length === 0) this.windowOpen = true;
  }
  async credentialReset(reason: ResetReason, opts: ResetOptions): Promise<ResetOutcome> {
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = null;
      throw err;
    }
    this.generation += 1;
    this.users = [];
    this.windowOpen = opts.openWindow;
    this.resets.push({ reason, opts, generation: this.generation });
    return opts.issueSetupToken
      ? {
          generation: this.generation,
          setupToken: randomBytes(16).toString("base64url"),
          setupTokenExpiresAt: new Date(Date.UTC(2026, 0, 1, 0, 15)).toISOString(),
        }
      : { generation: this.generation };
  }
}
