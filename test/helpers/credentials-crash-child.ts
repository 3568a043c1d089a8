// Child process of the crash-injection test (test/accounts/crash.test.ts): opens the credential
// store, reports what it found, then runs setups, resets, logins, user creations, password
// changes and token creations forever, until the parent kills it with SIGKILL.
//
// argv: stateDir logFile modelJson configJson. The parent parses the configuration, and the
// logger is a stub: zod and pino would double this process's start-up, which the test pays
// at every kill. Every operation is logged as "begin …" before it starts and
// "end …" after it returned; the log is appended synchronously so a kill loses no line.
import { appendFileSync, readdirSync, readFileSync, writeSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { openAccounts } from "../../daemon/accounts/open.js";
import { systemClock } from "../../daemon/clock.js";
import type { Config } from "../../daemon/config/schema.js";
import { listPeppers } from "../../daemon/crypto/pepper.js";
import type { Logger } from "../../daemon/log.js";
import type { Principal, Role } from "../../daemon/services.js";

export interface CrashUser {
  n: number;
  role: Role;
  version: number;
  sessions: number;
}

export interface CrashModel {
  generation: number;
  users: Record<string, CrashUser>;
  tokens: number;
  /** Hashes the parent saw replaced or deleted earlier: none may be readable after this open. */
  dead?: string[];
}

/** Which of these PHC hashes still have their salt or digest in a file of the store. */
export function leakedHashes(stateDir: string, hashes: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const f of readdirSync(stateDir).filter((n) => n.startsWith("credentials.db"))) {
    const bytes = readFileSync(path.join(stateDir, f));
    for (const h of hashes) {
      const [, , , , salt, digest] = h.split("$");
      for (const part of [salt, digest]) {
        if (part && bytes.includes(Buffer.from(part))) leaks.push(`${f}:${part.slice(0, 12)}`);
      }
    }
  }
  return leaks;
}

export function crashPassword(generation: number, n: number, version: number): string {
  return `quiet-harbor-${generation}-lantern-${n}-v${version}`;
}

async function main(): Promise<void> {
  const [stateDir, logFile, modelJson, configJson] = process.argv.slice(2);
  if (!stateDir || !logFile || !modelJson || !configJson)
    throw new Error("usage: stateDir logFile model config");
  // The file is the record; the "begin" on stdout lets the parent aim its kill at an operation.
  const log = (line: string) => {
    appendFileSync(logFile, `${line}\n`);
    if (line.startsWith("begin")) writeSync(1, `${line}\n`);
  };
  const model = JSON.parse(modelJson) as CrashModel;
  let wiped = 0;
  const accounts = await openAccounts({
    stateDir,
    config: JSON.parse(configJson) as Config,
    clock: systemClock,
    log: quietLogger(),
    audit: {
      record: (event) => {
        if (event === "credential-store-wiped") wiped++;
      },
    },
  });
  let generation = accounts.status().generation;
  // Issue 11: the open is "the next start"; after it no old hash may be readable on disk.
  const leaks = leakedHashes(stateDir, model.dead ?? []);
  log(`ready ${generation} ${wiped} ${listPeppers(stateDir).join(",")} ${leaks.join(",") || "no-leaks"}`);
  writeSync(1, "ready\n");

  const users = new Map(Object.entries(model.users));
  const pw = (name: string) => {
    const u = users.get(name);
    if (!u) throw new Error(`no user ${name}`);
    return crashPassword(generation, u.n, u.version);
  };
  const loginAs = async (name: string): Promise<Principal> => {
    log(`begin login ${name}`);
    const r = await accounts.login(name, pw(name));
    log(`end login ${name}`);
    const u = users.get(name);
    if (u) u.sessions++;
    return accounts.authenticate(r.token);
  };

  for (;;) {
    if (accounts.status().state === "first-boot") {
      // After a restart the window is closed (SPEC 4): the technician's short press opens it.
      accounts.openSetupWindow("short-press");
      log(`begin setup ${generation}`);
      await accounts.setup({ username: "owner", password: crashPassword(generation, 0, 0) });
      users.clear();
      users.set("owner", { n: 0, role: "admin", version: 0, sessions: 0 });
      log(`end setup ${generation}`);
      continue;
    }
    const r = Math.random();
    const names = [...users.keys()];
    if (r < 0.25) {
      log(`begin reset ${generation}`);
      generation = (await accounts.credentialReset("button", { openWindow: true, issueSetupToken: false }))
        .generation;
      users.clear();
      log(`end reset ${generation}`);
    } else if (r < 0.45) {
      await loginAs(names[Math.floor(Math.random() * names.length)] ?? "owner");
    } else if (r < 0.65 && users.size < 3) {
      const admin = await loginAs("owner");
      const n = Math.max(...[...users.values()].map((u) => u.n)) + 1;
      const name = `staff${n}`;
      const role: Role = n % 2 ? "operator" : "viewer";
      log(`begin create ${name} ${role}`);
      await accounts.createUser(admin, { username: name, password: crashPassword(generation, n, 0), role });
      users.set(name, { n, role, version: 0, sessions: 0 });
      log(`end create ${name} ${role}`);
    } else if (r < 0.85) {
      const name = names[Math.floor(Math.random() * names.length)] ?? "owner";
      const who = await loginAs(name);
      const u = users.get(name) as CrashUser;
      const next = crashPassword(generation, u.n, u.version + 1);
      log(`begin change ${name} ${u.version + 1}`);
      await accounts.changePassword(who, pw(name), next);
      u.version++;
      u.sessions = 1;
      log(`end change ${name} ${u.version}`);
    } else {
      const admin = await loginAs("owner");
      log("begin token");
      accounts.createToken(admin, { name: `app-${Date.now()}` });
      log("end token");
    }
  }
}

function quietLogger(): Logger {
  const nothing = () => {};
  return {
    info: nothing,
    warn: nothing,
    error: nothing,
    debug: nothing,
    trace: nothing,
    fatal: nothing,
  } as unknown as Logger;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`crash child failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
