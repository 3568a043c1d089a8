// Credential-store benchmark figures (issue 2, must show 7): argon2 cost at the configured
// parameters, calibration, reset latency against a bare SQLite transaction deleting the same rows
// on the same disk, memory under a login flood, the cost of a refused login during lockout, and
// the password blocklist's load cost.
//
// Standalone: node --import tsx bench/credentials.ts

import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { openKeyring, rotateKeyring } from "../daemon/accounts/keyring.js";
import { CREDENTIALS_DB } from "../daemon/accounts/open.js";
import { type Config, configSchema } from "../daemon/config/schema.js";
import { type Argon2Params, rawHash, rawVerify } from "../daemon/crypto/argon2-hasher.js";
import { calibrate } from "../daemon/crypto/calibrate.js";
import { createPepper, destroyPepper } from "../daemon/crypto/pepper.js";
import { blocklistLoaded } from "../daemon/policy/blocklist.js";
import { checkPassword } from "../daemon/policy/password-policy.js";
import { CredentialStore } from "../daemon/store/credential-store.js";
import { mb, openBenchAccounts, PASSWORD, round } from "./bench-accounts.js";
import type { BenchFigure } from "./figure.js";
import { floodFigures } from "./login-flood.js";
import { renderTable } from "./table.js";

const ROWS = { accounts: 10, sessions: 200, tokens: 20, lockout: 50 };

export async function benchCredentials(opts: { dir: string; config?: Config }): Promise<BenchFigure[]> {
  const config = opts.config ?? configSchema.parse({});
  const params: Argon2Params = {
    memoryKiB: config.argon2.memoryKiB,
    timeCost: config.argon2.timeCost,
    parallelism: config.argon2.parallelism,
  };
  const figures: BenchFigure[] = [];
  figures.push(...(await blocklistFigures()));
  // Before anything else hashes: glibc keeps freed argon2 memory, which would hide the flood's own.
  figures.push(...(await floodFigures(path.join(opts.dir, "flood"), config)));
  figures.push(await lockoutFigure(path.join(opts.dir, "lockout"), config));
  figures.push(...(await argon2Figures(params)));
  figures.push(...resetFigures(path.join(opts.dir, "reset")));
  figures.push(await calibrationFigure(params, config.argon2.targetVerifyMs));
  return figures;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
async function blocklistFigures(): Promise<BenchFigure[]> {
  if (blocklistLoaded()) return [];
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  checkPassword("first-check-loads-the-list", { minLength: 15 });
  const loadMs = performance.now() - t0;
  const rss1 = process.memoryUsage().rss;
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    checkPassword(`another-unusual-phrase-${i}`, { minLength: 15 });
    times.push(performance.now() - t);
  }
  return [
    {
      figure: "password blocklist: first check (lazy load)",
      value: round(loadMs, 1),
      unit: "ms",
      verdict: "info",
      extra: { rssAddedMiB: mb(rss1 - rss0) },
    },
    { figure: "password policy check (loaded)", value: round(median(times), 3), unit: "ms", verdict: "info" },
  ];
}

async function argon2Figures(params: Argon2Params): Promise<BenchFigure[]> {
  const pepper = randomBytes(32);
  const hashMs: number[] = [];
  const verifyMs: number[] = [];
  let phc = "";
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    phc = await rawHash(PASSWORD, params, pepper);
    hashMs.push(performance.now() - t0);
  }
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    await rawVerify(phc, PASSWORD, pepper);
    verifyMs.push(performance.now() - t0);
  }
  const label = `m=${params.memoryKiB} t=${params.timeCost} p=${params.parallelism}`;
  return [
    { figure: `argon2id hash (${label})`, value: round(median(hashMs), 1), unit: "ms", verdict: "info" },
    { figure: `argon2id verify (${label})`, value: round(median(verifyMs), 1), unit: "ms", verdict: "info" },
  ];
}

async function calibrationFigure(params: Argon2Params, targetMs: number): Promise<BenchFigure> {
  const t0 = performance.now();
  const r = await calibrate(params, { targetMs });
  return {
    figure: `argon2 calibration to ${targetMs} ms verify`,
    value: round(r.measuredMs, 1),
    unit: "ms",
    target: `~${targetMs} ms`,
    verdict: "info",
    extra: {
      params: r.params,
      steps: r.steps.length,
      calibrationSeconds: round((performance.now() - t0) / 1000, 1),
    },
  };
}

/** Credential rows as a provisioned recorder has them: the same for our reset and the bare one. */
function populate(file: string, generation: number): void {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  const phc = () =>
    `$argon2id$v=19$m=19456,t=2,p=1$${randomBytes(16).toString("base64").replace(/=+$/, "")}$${randomBytes(32).toString("base64").replace(/=+$/, "")}`;
  db.transaction(() => {
    const acc = db.prepare("INSERT INTO accounts VALUES (?, ?, ?, ?, 1, 1)");
    for (let i = 0; i < ROWS.accounts; i++)
      acc.run(`user${i}`, i === 0 ? "admin" : "viewer", phc(), generation);
    const ses = db.prepare("INSERT INTO sessions VALUES (?, ?, 1, 9e15)");
    for (let i = 0; i < ROWS.sessions; i++) ses.run(randomBytes(32), `user${i % ROWS.accounts}`);
    const tok = db.prepare("INSERT INTO api_tokens VALUES (?, ?, 'app', 1, 9e15)");
    for (let i = 0; i < ROWS.tokens; i++) tok.run(randomBytes(32), `user${i % ROWS.accounts}`);
    const lo = db.prepare("INSERT INTO lockout VALUES (?, 1, 0, 0, 0, '[1]', 1)");
    for (let i = 0; i < ROWS.lockout; i++) lo.run(`name${i}`);
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

function resetFigures(dir: string): BenchFigure[] {
  const ours = path.join(dir, "ours");
  const bare = path.join(dir, "bare");
  mkdirSync(ours, { recursive: true });
  mkdirSync(bare, { recursive: true });
  const durable: number[] = [];
  const total: number[] = [];
  const bareMs: number[] = [];
  for (let i = 0; i < 9; i++) {
    // Ours, the steps of rotateKeyring timed apart: up to the commit the reset is durable.
    let store = CredentialStore.open(path.join(ours, CREDENTIALS_DB));
    let { keyring } = openKeyring(store, ours);
    store.close();
    populate(path.join(ours, CREDENTIALS_DB), keyring.generation);
    store = CredentialStore.open(path.join(ours, CREDENTIALS_DB));
    const next = keyring.generation + 1;
    const t0 = performance.now();
    createPepper(ours, next);
    store.resetAll(next, { at: Date.now(), reason: "button" });
    const t1 = performance.now();
    destroyPepper(ours, keyring.generation);
    store.compact();
    const t2 = performance.now();
    durable.push(t1 - t0);
    total.push(t2 - t0);
    // And the whole rotateKeyring once more as the service runs it, for the record.
    populate(path.join(ours, CREDENTIALS_DB), next);
    keyring = rotateKeyring(
      store,
      ours,
      { generation: next, pepper: Buffer.alloc(32) },
      {
        at: Date.now(),
        reason: "button",
      },
    ).keyring;
    store.close();

    // Bare: the same rows, the same disk, one transaction with synchronous=FULL.
    const bareFile = path.join(bare, "bare.db");
    rmSync(bareFile, { force: true });
    copyFileSync(path.join(ours, CREDENTIALS_DB), bareFile);
    populate(bareFile, keyring.generation);
    const db = new Database(bareFile);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    const wipe = db.transaction(() => {
      db.exec(
        "DELETE FROM sessions; DELETE FROM api_tokens; DELETE FROM accounts; DELETE FROM lockout; DELETE FROM recovery_pending;",
      );
      db.prepare("UPDATE meta SET generation = generation + 1").run();
    });
    const b0 = performance.now();
    wipe();
    bareMs.push(performance.now() - b0);
    db.close();
  }
  const floor = median(bareMs);
  const rows = `${ROWS.accounts} accounts, ${ROWS.sessions} sessions, ${ROWS.tokens} tokens, ${ROWS.lockout} lockout rows`;
  return [
    {
      figure: "credential reset to durable first boot (pepper + commit)",
      value: round(median(durable)),
      unit: "ms",
      floor: round(floor),
      ratio: round(median(durable) / floor),
      target: "<= 2x bare commit",
      verdict: median(durable) <= 2 * floor ? "pass" : "fail",
      extra: { rows, samples: durable.map((x) => round(x)) },
    },
    {
      figure: "credential reset incl. secure deletion (checkpoint, VACUUM)",
      value: round(median(total)),
      unit: "ms",
      floor: round(floor),
      ratio: round(median(total) / floor),
      verdict: "info",
      extra: { rows },
    },
  ];
}

async function lockoutFigure(dir: string, config: Config): Promise<BenchFigure> {
  const accounts = await openBenchAccounts(dir, config);
  try {
    await accounts.setup({ username: "owner", password: PASSWORD });
    const wrong: number[] = [];
    for (let i = 0; i < config.lockout.threshold; i++) {
      const t0 = performance.now();
      await accounts.login("owner", "not-the-password").catch(() => {});
      wrong.push(performance.now() - t0);
    }
    const before = accounts.hasher.stats;
    const refused: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      await accounts.login("owner", PASSWORD).catch(() => {});
      refused.push(performance.now() - t0);
    }
    const after = accounts.hasher.stats;
    return {
      figure: "refused login during lockout",
      value: round(median(refused), 3),
      unit: "ms",
      floor: round(median(wrong), 1),
      ratio: round(median(refused) / median(wrong), 4),
      target: "no argon2 (floor: a wrong-password login)",
      verdict: after.verifies === before.verifies ? "pass" : "fail",
      extra: { argon2DuringLockout: after.verifies - before.verifies },
    };
  } finally {
    accounts.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "recoveryd-bench-credentials-"));
  benchCredentials({ dir })
    .then((figures) => {
      console.log(renderTable(figures));
      for (const f of figures) if (f.extra) console.log(`${f.figure}: ${JSON.stringify(f.extra)}`);
    })
    .finally(() => rmSync(dir, { recursive: true, force: true }));
}
