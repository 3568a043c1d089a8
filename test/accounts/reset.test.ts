// Issue 2, must show 2 and 4: a reset takes the recorder back to first boot, where nothing old
// works, and a backup of the old database is useless because its pepper is gone.

import { copyFileSync, existsSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { rawVerify } from "../../daemon/crypto/argon2-hasher.js";
import { readPepper } from "../../daemon/crypto/pepper.js";
import {
  InvalidCredentialsError,
  PasswordPolicyError,
  SetupClosedError,
  StoreFaultError,
  UnauthorizedError,
} from "../../daemon/errors.js";
import { DEVICE, makeTempDir, openTest, STRONG_PASSWORD } from "../helpers/credentials.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tmp(): string {
  const t = makeTempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "accepted";
  } catch (err) {
    if (err instanceof PasswordPolicyError) return err.reason;
    throw err;
  }
}

describe("credential reset", () => {
  it("refuses the old password, session and API token afterwards and is back at first boot", async () => {
    const dir = tmp();
    const changes: string[] = [];
    const { accounts, audit } = await openTest(dir, { onStateChange: (s, g) => changes.push(`${s}@${g}`) });
    await accounts.setup({ username: "owner", password: STRONG_PASSWORD });
    const session = await accounts.login("owner", STRONG_PASSWORD);
    const admin = accounts.authenticate(`Bearer ${session.token}`);
    const api = accounts.createToken(admin, { name: "mobile-app" });
    expect(accounts.authenticate(api.token).kind).toBe("api-token");
    expect(accounts.status().state).toBe("provisioned");

    const outcome = await accounts.credentialReset("button", { openWindow: true, issueSetupToken: false });

    expect(outcome).toEqual({ generation: 2 });
    await expect(accounts.login("owner", STRONG_PASSWORD)).rejects.toBeInstanceOf(InvalidCredentialsError);
    expect(() => accounts.authenticate(`Bearer ${session.token}`)).toThrow(UnauthorizedError);
    expect(() => accounts.authenticate(api.token)).toThrow(UnauthorizedError);
    const status = accounts.status();
    expect(status).toMatchObject({
      state: "first-boot",
      generation: 2,
      accounts: 0,
      setupWindow: { open: true },
      lockout: { lockedAccounts: [] },
      lastReset: { reason: "button", generation: 2 },
    });
    expect(changes).toEqual(["provisioned@1", "first-boot@2"]);
    expect(audit.events.find((e) => e.event === "credential-reset")?.fields).toMatchObject({
      reason: "button",
      generation: 2,
      previousGeneration: 1,
    });
    // Only the new generation's pepper is left.
    expect(readdirSync(dir).filter((n) => n.includes("pepper"))).toEqual(["credentials.pepper-2"]);
    accounts.close();
  });

  it("then refuses weak setup passwords, each with its reason, and accepts a strong one", async () => {
    const { accounts } = await openTest(tmp());
    await accounts.setup({ username: "owner", password: STRONG_PASSWORD });
    await accounts.credentialReset("button", { openWindow: true, issueSetupToken: false });
    const setup = (password: string, username = "frontdesk") =>
      reasonOf(accounts.setup({ username, password }));

    expect(await setup("1234")).toBe("vendor_default");
    expect(await setup("admin")).toBe("vendor_default");
    expect(await setup("888888")).toBe("vendor_default");
    expect(await setup("admin@4k")).toBe("vendor_default");
    expect(await setup("violet-canyon-")).toBe("too_short");
    expect(await setup("frontdesk")).toBe("context");
    expect(await setup("frontdesk-frontdesk")).toBe("context");
    expect(await setup(DEVICE.deviceId)).toBe("context");
    expect(accounts.status().state).toBe("first-boot");
    expect(accounts.hasher.stats.hashes).toBe(1); // the first setup only: refusals hash nothing

    expect(await setup("violet-canyon-drum")).toBe("accepted");
    expect(accounts.status().state).toBe("provisioned");
    expect((await accounts.login("frontdesk", "violet-canyon-drum")).role).toBe("admin");
    accounts.close();
  });

  it("hands a remote caller a one-time setup token instead of opening the window", async () => {
    const { accounts, config } = await openTest(tmp(), {
      configOverrides: { setupWindow: { openAtBoot: false } },
    });
    accounts.openSetupWindow("short-press");
    await accounts.setup({ username: "owner", password: STRONG_PASSWORD });
    expect(accounts.status().setupWindow.open).toBe(false);
    const outcome = await accounts.credentialReset("security-code", {
      openWindow: false,
      issueSetupToken: true,
    });
    expect(outcome.setupToken).toMatch(/^rdu_/);
    expect(Date.parse(outcome.setupTokenExpiresAt ?? "")).toBe(
      Date.UTC(2026, 0, 1) + config.setupWindow.minutes * 60_000,
    );
    expect(accounts.status().setupWindow.open).toBe(false);
    await expect(accounts.setup({ username: "owner", password: STRONG_PASSWORD })).rejects.toBeInstanceOf(
      SetupClosedError,
    );
    await expect(
      accounts.setup({ username: "owner", password: STRONG_PASSWORD, setupToken: "rdu_forged" }),
    ).rejects.toBeInstanceOf(SetupClosedError);
    await accounts.setup({ username: "owner", password: STRONG_PASSWORD, setupToken: outcome.setupToken });
    expect(accounts.status().state).toBe("provisioned");
    accounts.close();
  });

  it("makes a copy of the old database useless: the old password never verifies again", async () => {
    const dir = tmp();
    const aside = tmp();
    const { accounts } = await openTest(dir);
    await accounts.setup({ username: "owner", password: STRONG_PASSWORD });
    await accounts.login("owner", STRONG_PASSWORD);
    // The attacker's copy, taken while the daemon runs (database and WAL as they are on disk).
    for (const f of ["credentials.db", "credentials.db-wal", "credentials.db-shm"]) {
      if (existsSync(path.join(dir, f))) copyFileSync(path.join(dir, f), path.join(aside, f));
    }
    const oldPepper = readPepper(dir, 1);
    expect(oldPepper).not.toBeNull();
    await accounts.credentialReset("button", { openWindow: true, issueSetupToken: false });
    await accounts.setup({ username: "owner", password: "a-fresh-start-passphrase" });
    accounts.close();

    // Put the old copy back.
    for (const f of ["credentials.db", "credentials.db-wal", "credentials.db-shm"]) {
      rmSync(path.join(dir, f), { force: true });
      if (existsSync(path.join(aside, f))) copyFileSync(path.join(aside, f), path.join(dir, f));
    }
    const raw = new Database(path.join(dir, "credentials.db"));
    const oldHash = (
      raw.prepare("SELECT hash FROM accounts WHERE username = 'owner'").get() as { hash: string }
    ).hash;
    raw.close();
    // Whatever pepper is on the disk now, the old hash does not verify with it.
    expect(readPepper(dir, 1)).toBeNull();
    for (const name of readdirSync(dir).filter((n) => n.startsWith("credentials.pepper-"))) {
      const g = Number(name.split("-").at(-1));
      const pepper = readPepper(dir, g);
      expect(pepper).not.toBeNull();
      expect(await rawVerify(oldHash, STRONG_PASSWORD, pepper as Buffer)).toBe(false);
    }
    // (Sanity: it was the pepper that mattered; with the destroyed one it would have verified.)
    expect(await rawVerify(oldHash, STRONG_PASSWORD, oldPepper as Buffer)).toBe(true);

    // The copy is behind what the store acknowledged (credentials.state): a store fault, neither
    // the old accounts nor an open first boot. Only the button's rebuild hold gets out of it.
    await expect(openTest(dir)).rejects.toBeInstanceOf(StoreFaultError);

    // Without the marker (a store from before it existed) the copy is wiped to first boot.
    rmSync(path.join(dir, "credentials.state"));
    const reopened = await openTest(dir);
    await expect(reopened.accounts.login("owner", STRONG_PASSWORD)).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    expect(reopened.accounts.status()).toMatchObject({ state: "first-boot", accounts: 0 });
    expect(reopened.audit.count("credential-store-wiped")).toBe(1);
    expect(reopened.accounts.generation).toBeGreaterThan(2);
    reopened.accounts.close();
  });
});
