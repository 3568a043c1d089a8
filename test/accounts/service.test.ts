import { readFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import {
  ConflictError,
  ForbiddenError,
  InvalidCredentialsError,
  NotFoundError,
  SetupClosedError,
  UnauthorizedError,
  ValidationError,
} from "../../daemon/errors.js";
import { createLogger } from "../../daemon/log.js";
import type { Principal } from "../../daemon/services.js";
import {
  makeTempDir,
  OTHER_STRONG_PASSWORD,
  openTest,
  STRONG_PASSWORD,
  type TestAccounts,
} from "../helpers/credentials.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function fresh(opts: Parameters<typeof openTest>[1] = {}): Promise<TestAccounts & { dir: string }> {
  const t = makeTempDir();
  const opened = await openTest(t.dir, opts);
  cleanups.push(() => {
    opened.accounts.close();
    t.cleanup();
  });
  return { ...opened, dir: t.dir };
}

async function provisioned(opts: Parameters<typeof openTest>[1] = {}) {
  const t = await fresh(opts);
  await t.accounts.setup({ username: "owner", password: STRONG_PASSWORD });
  const admin = t.accounts.authenticate((await t.accounts.login("owner", STRONG_PASSWORD)).token);
  return { ...t, admin };
}

describe("setup", () => {
  it("is first-boot only: a second setup is a 409", async () => {
    const { accounts } = await provisioned();
    const err = await accounts.setup({ username: "other", password: OTHER_STRONG_PASSWORD }).catch((e) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ status: 409, message: "already provisioned" });
  });

  it("needs the window, a setup token or the security code", async () => {
    let codeChecks = 0;
    const { accounts, clock, audit } = await fresh({
      securityCode: {
        verify: async (c) => {
          codeChecks++;
          return c === "ABCD-EFGH-JKLM-NPQR";
        },
      },
    });
    expect(accounts.status().setupWindow.open).toBe(true);
    clock.advance(15 * 60_000);
    expect(accounts.status().setupWindow).toEqual({ open: false, closesAt: null });
    const closed = accounts.setup({ username: "owner", password: STRONG_PASSWORD });
    await expect(closed).rejects.toBeInstanceOf(SetupClosedError);
    await expect(closed).rejects.toMatchObject({ status: 403 });
    await expect(
      accounts.setup({ username: "owner", password: STRONG_PASSWORD, securityCode: "WRONG" }),
    ).rejects.toBeInstanceOf(SetupClosedError);
    // A weak password is refused before a security-code attempt is spent on it.
    await expect(
      accounts.setup({ username: "owner", password: "1234", securityCode: "WRONG" }),
    ).rejects.toMatchObject({
      reason: "vendor_default",
    });
    expect(codeChecks).toBe(1);
    await accounts.setup({
      username: "owner",
      password: STRONG_PASSWORD,
      securityCode: "ABCD-EFGH-JKLM-NPQR",
    });
    expect(accounts.status().state).toBe("provisioned");
    expect(audit.events.find((e) => e.event === "setup")?.fields).toEqual({
      username: "owner",
      via: "security-code",
      generation: 1,
    });
  });

  it("reopens the window on a short press in first boot only", async () => {
    const { accounts, clock } = await fresh({ configOverrides: { setupWindow: { openAtBoot: false } } });
    expect(accounts.status().setupWindow.open).toBe(false);
    accounts.openSetupWindow("short-press");
    expect(accounts.status().setupWindow).toEqual({ open: true, closesAt: "2026-01-01T00:15:00.000Z" });
    clock.advance(60_000);
    await accounts.setup({ username: "owner", password: STRONG_PASSWORD });
    accounts.openSetupWindow("short-press");
    expect(accounts.status().setupWindow.open).toBe(false);
  });

  it("lets exactly one of two racing setups win", async () => {
    const { accounts } = await fresh();
    const results = await Promise.allSettled([
      accounts.setup({ username: "first", password: STRONG_PASSWORD }),
      accounts.setup({ username: "second", password: OTHER_STRONG_PASSWORD }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(ConflictError);
    expect(accounts.status().accounts).toBe(1);
  });

  it("refuses bad input with a ValidationError and changes nothing", async () => {
    const { accounts } = await fresh();
    for (const req of [
      null,
      {},
      { username: "", password: STRONG_PASSWORD },
      { username: "has space", password: STRONG_PASSWORD },
      { username: "x".repeat(33), password: STRONG_PASSWORD },
      { username: "owner", password: 12 },
      { username: "owner", password: STRONG_PASSWORD, setupToken: 5 },
    ]) {
      await expect(accounts.setup(req as never)).rejects.toBeInstanceOf(ValidationError);
    }
    expect(accounts.status()).toMatchObject({ state: "first-boot", accounts: 0 });
    expect(accounts.hasher.stats.hashes).toBe(0);
  });
});

describe("login and sessions", () => {
  it("returns a random session token with its expiry and role; 401 on a wrong password or user", async () => {
    const { accounts, clock } = await provisioned();
    const r = await accounts.login("owner", STRONG_PASSWORD);
    expect(r).toMatchObject({ role: "admin", expiresAt: new Date(clock.now() + 480 * 60_000).toISOString() });
    expect(r.token).toMatch(/^rds_[A-Za-z0-9_-]{43}$/);
    expect(accounts.authenticate(`Bearer ${r.token}`)).toMatchObject({
      username: "owner",
      role: "admin",
      kind: "session",
    });
    await expect(accounts.login("owner", OTHER_STRONG_PASSWORD)).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    await expect(accounts.login("nobody", STRONG_PASSWORD)).rejects.toMatchObject({ status: 401 });
    expect(await accounts.login("OWNER", STRONG_PASSWORD)).toMatchObject({ role: "admin" });
  });

  it("costs an argon2 verify for an unknown user too", async () => {
    const { accounts } = await provisioned();
    const before = accounts.hasher.stats.verifies;
    await expect(accounts.login("nobody", STRONG_PASSWORD)).rejects.toBeInstanceOf(InvalidCredentialsError);
    expect(accounts.hasher.stats.verifies).toBe(before + 1);
  });

  it("stores only the SHA-256 of session and API tokens", async () => {
    const { accounts, admin, dir } = await provisioned();
    const s = await accounts.login("owner", STRONG_PASSWORD);
    const t = accounts.createToken(admin, { name: "app" });
    const raw = new Database(path.join(dir, "credentials.db"), { readonly: true });
    const stored = [
      ...(raw.prepare("SELECT token_hash FROM sessions").all() as { token_hash: Buffer }[]),
      ...(raw.prepare("SELECT token_hash FROM api_tokens").all() as { token_hash: Buffer }[]),
    ];
    raw.close();
    for (const row of stored) {
      expect(row.token_hash).toHaveLength(32);
      expect(row.token_hash.toString("latin1")).not.toContain(s.token.slice(4, 20));
      expect(row.token_hash.toString("latin1")).not.toContain(t.token.slice(4, 20));
    }
  });

  it("expires sessions and API tokens, and logout ends a session", async () => {
    const { accounts, admin, clock } = await provisioned({
      configOverrides: { sessions: { ttlMinutes: 10 } },
    });
    const s = await accounts.login("owner", STRONG_PASSWORD);
    const t = accounts.createToken(admin, { name: "app", ttlDays: 1 });
    clock.advance(10 * 60_000);
    expect(() => accounts.authenticate(s.token)).toThrow(UnauthorizedError);
    expect(accounts.authenticate(t.token).kind).toBe("api-token");
    clock.advance(86_400_000);
    expect(() => accounts.authenticate(t.token)).toThrow(UnauthorizedError);
    const s2 = await accounts.login("owner", STRONG_PASSWORD);
    accounts.logout(s2.token);
    expect(() => accounts.authenticate(s2.token)).toThrow(UnauthorizedError);
    expect(() => accounts.authenticate(undefined)).toThrow(UnauthorizedError);
    expect(() => accounts.authenticate("Bearer rds_forged")).toThrow(UnauthorizedError);
  });

  it("refuses a login that a reset overtook, and creates no session for it", async () => {
    const { accounts } = await provisioned();
    const pending = accounts.login("owner", STRONG_PASSWORD);
    await accounts.credentialReset("button", { openWindow: true, issueSetupToken: false });
    await expect(pending).rejects.toBeInstanceOf(InvalidCredentialsError);
    expect(accounts.status()).toMatchObject({ state: "first-boot", accounts: 0 });
  });

  it("rehashes on the next successful login when the parameters change", async () => {
    const t = makeTempDir();
    cleanups.push(t.cleanup);
    const first = await openTest(t.dir);
    await first.accounts.setup({ username: "owner", password: STRONG_PASSWORD });
    first.accounts.close();
    const second = await openTest(t.dir, { configOverrides: { argon2: { timeCost: 3 } } });
    const hashOf = () => {
      const raw = new Database(path.join(t.dir, "credentials.db"), { readonly: true });
      const h = (raw.prepare("SELECT hash FROM accounts").get() as { hash: string }).hash;
      raw.close();
      return h;
    };
    expect(hashOf()).toContain("m=19456,t=2,p=1");
    await second.accounts.login("owner", STRONG_PASSWORD);
    expect(hashOf()).toContain("m=19456,t=3,p=1");
    expect(second.accounts.stats().rehashes).toBe(1);
    await second.accounts.login("owner", STRONG_PASSWORD);
    expect(second.accounts.stats().rehashes).toBe(1);
    second.accounts.close();
  });
});

describe("users, roles and tokens", () => {
  it("lets admins manage users and tokens, and no one else", async () => {
    const { accounts, admin, audit } = await provisioned();
    await accounts.createUser(admin, {
      username: "guard",
      password: OTHER_STRONG_PASSWORD,
      role: "operator",
    });
    await accounts.createUser(admin, { username: "lobby", password: "maple-river-stone-88", role: "viewer" });
    expect(accounts.listUsers(admin).map((u) => `${u.username}:${u.role}`)).toEqual([
      "owner:admin",
      "guard:operator",
      "lobby:viewer",
    ]);
    const op = accounts.authenticate((await accounts.login("guard", OTHER_STRONG_PASSWORD)).token);
    expect(() => accounts.listUsers(op)).toThrow(ForbiddenError);
    await expect(
      accounts.createUser(op, { username: "x", password: "maple-river-stone-99", role: "admin" }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(() => accounts.deleteUser(op, "lobby")).toThrow(ForbiddenError);
    expect(() => accounts.createToken(op, { name: "app" })).toThrow(ForbiddenError);
    await expect(
      accounts.createUser(admin, { username: "GUARD", password: "maple-river-stone-99", role: "viewer" }),
    ).rejects.toMatchObject({ status: 409, code: "user_exists" });
    await expect(
      accounts.createUser(admin, {
        username: "new",
        password: "maple-river-stone-99",
        role: "root" as never,
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      accounts.createUser(admin, { username: "weak", password: "admin", role: "viewer" }),
    ).rejects.toMatchObject({ reason: "vendor_default" });
    accounts.deleteUser(admin, "lobby");
    expect(() => accounts.deleteUser(admin, "lobby")).toThrow(NotFoundError);
    expect(audit.count("user-created")).toBe(2);
    expect(audit.count("user-deleted")).toBe(1);
  });

  it("never deletes the last admin", async () => {
    const { accounts, admin } = await provisioned();
    expect(() => accounts.deleteUser(admin, "owner")).toThrow(ConflictError);
    await accounts.createUser(admin, { username: "second", password: OTHER_STRONG_PASSWORD, role: "admin" });
    accounts.deleteUser(admin, "owner");
    const second = accounts.authenticate((await accounts.login("second", OTHER_STRONG_PASSWORD)).token);
    expect(() => accounts.deleteUser(second, "second")).toThrow(ConflictError);
    // The deleted admin's principal lost its powers with its account.
    expect(() => accounts.listUsers(admin)).toThrow(UnauthorizedError);
  });

  it("lets anyone change their own password; other sessions end, the caller's stays", async () => {
    const { accounts, admin, audit } = await provisioned();
    await accounts.createUser(admin, { username: "lobby", password: OTHER_STRONG_PASSWORD, role: "viewer" });
    const a = await accounts.login("lobby", OTHER_STRONG_PASSWORD);
    const b = await accounts.login("lobby", OTHER_STRONG_PASSWORD);
    const who: Principal = accounts.authenticate(a.token);
    await expect(
      accounts.changePassword(who, "not-the-password-1", "maple-river-stone-88"),
    ).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(
      accounts.changePassword(who, OTHER_STRONG_PASSWORD, "lobby-lobby-lobby"),
    ).rejects.toMatchObject({
      reason: "context",
    });
    await accounts.changePassword(who, OTHER_STRONG_PASSWORD, "maple-river-stone-88");
    expect(accounts.authenticate(a.token).username).toBe("lobby");
    expect(() => accounts.authenticate(b.token)).toThrow(UnauthorizedError);
    await expect(accounts.login("lobby", OTHER_STRONG_PASSWORD)).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    await accounts.login("lobby", "maple-river-stone-88");
    expect(audit.count("password-changed")).toBe(1);
  });

  it("validates token requests", async () => {
    const { accounts, admin } = await provisioned();
    expect(() => accounts.createToken(admin, { name: "" })).toThrow(ValidationError);
    expect(() => accounts.createToken(admin, { name: "app", ttlDays: 0 })).toThrow(ValidationError);
    expect(() => accounts.createToken(admin, { name: "app", ttlDays: 1.5 })).toThrow(ValidationError);
    const t = accounts.createToken(admin, { name: "app", ttlDays: 30 });
    expect(Date.parse(t.expiresAt) - Date.UTC(2026, 0, 1)).toBe(30 * 86_400_000);
  });
});

describe("credential reset input", () => {
  it("refuses an unknown reason or missing options with a ValidationError and changes nothing", async () => {
    const { accounts } = await provisioned();
    await expect(
      accounts.credentialReset("paperclip" as never, { openWindow: true, issueSetupToken: false }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(accounts.credentialReset("button", null as never)).rejects.toBeInstanceOf(ValidationError);
    expect(accounts.status()).toMatchObject({ state: "provisioned", generation: 1 });
  });
});

describe("secrets", () => {
  it("never writes a password, hash, pepper or token to the log", async () => {
    const lines: string[] = [];
    const log = createLogger({ level: "trace", destination: { write: (l: string) => lines.push(l) } });
    const { accounts, dir } = await fresh({ log });
    await accounts.setup({ username: "owner", password: STRONG_PASSWORD });
    const s = await accounts.login("owner", STRONG_PASSWORD);
    for (let i = 0; i < 5; i++) await accounts.login("owner", "typed-the-wrong-one").catch(() => {});
    const pepper = readFileSync(path.join(dir, "credentials.pepper-1"));
    const r = await accounts.credentialReset("unlock", { openWindow: false, issueSetupToken: true });
    const text = lines.join("");
    expect(text).toContain("credential-reset");
    for (const secret of [
      STRONG_PASSWORD,
      "typed-the-wrong-one",
      s.token,
      r.setupToken ?? "x",
      "$argon2id$",
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain(pepper.toString("hex"));
    expect(text).not.toContain(pepper.toString("base64"));
  });

  it("never hands a password, hash or token to the audit sink", async () => {
    const { accounts, admin, audit } = await provisioned();
    const t = accounts.createToken(admin, { name: "app" });
    await accounts.login("owner", "wrong-password-typed-here").catch(() => {});
    const r = await accounts.credentialReset("grant", { openWindow: false, issueSetupToken: true });
    const dump = JSON.stringify(audit.events);
    for (const secret of [
      STRONG_PASSWORD,
      "wrong-password-typed-here",
      t.token,
      r.setupToken ?? "x",
      "$argon2id$",
    ]) {
      expect(dump).not.toContain(secret);
    }
  });
});
