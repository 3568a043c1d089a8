// The power-cut VM's one long-lived process (run by init.sh in the chroot of the host's / over
// 9p). On the state disk (ext4 on /dev/vda, mounted at /run/pc) it starts the real bundled
// daemon on the simulated board, reports what survived the last cut (API and sqlite), then runs
// one operation and announces it on the serial console so the host can cut the power during it.
// Every line for the host starts with "PC " and carries JSON.
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { apiRequest } from "../../../cli/client.js";
import { SimClient } from "../../../hal/sim/control-client.js";
import { type DaemonProcess, repoRoot, spawnDaemon } from "../support/daemon-process.js";
import type { DbView, Observation, Op } from "./verdict.js";

export interface Plan {
  seq: number;
  fresh: boolean;
  user: string;
  /** Passwords to try at the check: the one before the last operation and the one after. */
  candidates: string[];
  securityCode: string;
  /** The password a setup or password change sets. */
  nextPassword: string;
  /** Which operation to run when the store is provisioned (first-boot always runs setup). */
  provisionedOp: Exclude<Op, "setup"> | null;
  /** Only check, run nothing (the last boot of a run). */
  checkOnly: boolean;
  /** Node flags for the daemon. */
  daemonNodeArgs: string[];
}

const DISK = "/run/pc";
const STATE = path.join(DISK, "state");
const CONFIG = path.join(DISK, "config");
const RECORDINGS = path.join(DISK, "recordings");
const DEFAULTS = path.join(repoRoot, "test/rigs/powercut/factory-defaults");
const CONFIG_FILES = ["network.json", "schedule.json", "users-ui.json"];

function say(t: string, data: Record<string, unknown> = {}): void {
  process.stdout.write(`PC ${JSON.stringify({ t, ...data })}\n`);
}

function readPlan(): Plan {
  const m = /(?:^| )pc\.plan=([A-Za-z0-9_-]+)/.exec(readFileSync("/proc/cmdline", "utf8"));
  if (!m?.[1]) throw new Error("no pc.plan= on the kernel command line");
  return JSON.parse(Buffer.from(m[1], "base64url").toString("utf8")) as Plan;
}

function writeDurably(file: string, text: string): void {
  const fd = openSync(file, "w");
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncPath(p: string): void {
  const fd = openSync(p, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The configuration a user changed (a factory reset must put the defaults back, all of them). */
function writeCustomConfig(): void {
  mkdirSync(CONFIG, { recursive: true });
  for (const f of CONFIG_FILES) writeDurably(path.join(CONFIG, f), `{"custom":"${f}"}\n`);
  fsyncPath(CONFIG);
  fsyncPath(DISK);
}

function configState(): string {
  if (!existsSync(CONFIG)) return "absent";
  const kinds = CONFIG_FILES.map((f) => {
    const p = path.join(CONFIG, f);
    if (!existsSync(p)) return "missing";
    const text = readFileSync(p, "utf8");
    if (text === readFileSync(path.join(DEFAULTS, f), "utf8")) return "defaults";
    return text === `{"custom":"${f}"}\n` ? "custom" : "other";
  });
  const extra = readdirSync(CONFIG).filter((f) => !CONFIG_FILES.includes(f));
  if (extra.length === 0 && kinds.every((k) => k === kinds[0])) return kinds[0] as string;
  return `mixed: ${kinds.join("/")}${extra.length ? ` +${extra.join(",")}` : ""}`;
}

function factoryPending(): boolean {
  return readdirSync(STATE, { recursive: true }).some((f) => String(f).endsWith("factory-reset.pending"));
}

const RECORDING = "cam1-0001.mp4";
function recordingBytes(): string {
  return createHash("sha256").update(`recording ${RECORDING}\n`.repeat(4096)).digest("hex");
}

function prepareFreshDisk(): void {
  mkdirSync(STATE, { recursive: true });
  mkdirSync(RECORDINGS, { recursive: true });
  writeDurably(path.join(RECORDINGS, RECORDING), `recording ${RECORDING}\n`.repeat(4096));
  fsyncPath(RECORDINGS);
  writeCustomConfig();
}

function recordingsIntact(): boolean {
  const p = path.join(RECORDINGS, RECORDING);
  return existsSync(p) && createHash("sha256").update(readFileSync(p)).digest("hex") === recordingBytes();
}

/** A second, read-only connection beside the daemon's: what is really in credentials.db. */
function readDb(): DbView {
  const require = createRequire(path.join(repoRoot, "package.json"));
  const Database = require("better-sqlite3") as typeof import("better-sqlite3");
  const db = new Database(path.join(STATE, "credentials.db"), { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma("integrity_check") as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join("; ");
    const meta = db.prepare("SELECT generation FROM meta WHERE id = 1").get() as { generation: number };
    const rows = db.prepare("SELECT username, hash, generation FROM accounts").all() as {
      username: string;
      hash: unknown;
      generation: number;
    }[];
    const orphans = db
      .prepare(
        `SELECT (SELECT count(*) FROM sessions WHERE username NOT IN (SELECT username FROM accounts))
              + (SELECT count(*) FROM api_tokens WHERE username NOT IN (SELECT username FROM accounts)) AS n`,
      )
      .get() as { n: number };
    return {
      integrity,
      generation: meta.generation,
      accounts: rows.map((r) => ({
        username: r.username,
        hashOk:
          typeof r.hash === "string" &&
          /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[^$]{22,}\$[^$]{43,}$/.test(r.hash),
        generation: r.generation,
      })),
      orphans: orphans.n,
    };
  } finally {
    db.close();
  }
}

async function startDaemon(nodeArgs: string[]): Promise<DaemonProcess> {
  return spawnDaemon({
    nodeArgs,
    baseDir: "/run/work",
    readyTimeoutMs: 180_000,
    config: {
      board: "sim",
      setupWindow: { openAtBoot: true },
      factoryReset: { restore: [{ path: CONFIG, from: DEFAULTS }], preserve: [RECORDINGS] },
    },
    env: {
      RECOVERYD_STATE_DIR: STATE,
      RECOVERYD_FACTORY: path.join(repoRoot, "test/fixtures/recovery/factory-data.json"),
    },
  });
}

type Api = (method: string, p: string, body?: unknown, token?: string) => ReturnType<typeof apiRequest>;

async function observe(
  api: Api,
  plan: Plan,
): Promise<{ obs: Observation; token?: string; password?: string }> {
  const st = await api("GET", "/v1/status");
  const status = st.body as NonNullable<Observation["status"]>;
  const logins: Record<string, number> = {};
  let token: string | undefined;
  let password: string | undefined;
  for (const pw of plan.candidates) {
    const r = await api("POST", "/v1/login", { username: plan.user, password: pw });
    logins[pw] = r.status;
    if (r.status === 200) {
      token = (r.body as { token: string }).token;
      password = pw;
    }
  }
  let db: DbView | undefined;
  let dbError: string | undefined;
  try {
    db = readDb();
  } catch (err) {
    dbError = String(err);
  }
  const obs: Observation = {
    started: true,
    status: {
      state: status.state,
      generation: status.generation,
      accounts: status.accounts,
      fault: status.fault,
    },
    logins,
    ...(db ? { db } : {}),
    ...(dbError ? { dbError } : {}),
    pepperPresent: existsSync(path.join(STATE, `credentials.pepper-${status.generation}`)),
    factoryPending: factoryPending(),
    config: configState(),
    recordingsIntact: recordingsIntact(),
  };
  return { obs, ...(token ? { token } : {}), ...(password ? { password } : {}) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitGeneration(api: Api, above: number, extra: () => boolean): Promise<void> {
  for (;;) {
    const r = await api("GET", "/v1/status");
    const s = r.body as { generation: number; state: string };
    if (s.generation > above && s.state === "first-boot" && extra()) return;
    await sleep(100);
  }
}

async function runOp(
  op: Op,
  d: DaemonProcess,
  api: Api,
  plan: Plan,
  generation: number,
  cur?: { token?: string; password?: string },
): Promise<void> {
  const started = () => {
    say("op-start", { op });
    return performance.now();
  };
  let t0: number;
  switch (op) {
    case "setup": {
      t0 = started();
      const r = await api("POST", "/v1/setup", {
        username: plan.user,
        password: plan.nextPassword,
        securityCode: plan.securityCode,
      });
      if (r.status !== 201) throw new Error(`setup answered ${r.status}: ${JSON.stringify(r.body)}`);
      break;
    }
    case "passwd": {
      if (!cur?.token || !cur.password) throw new Error("passwd: no login before the change");
      t0 = started();
      const r = await api(
        "POST",
        "/v1/password",
        { currentPassword: cur.password, newPassword: plan.nextPassword },
        cur.token,
      );
      if (r.status !== 200 && r.status !== 204)
        throw new Error(`password change answered ${r.status}: ${JSON.stringify(r.body)}`);
      break;
    }
    case "credential-reset": {
      const sim = await SimClient.connect(d.simSocket, { timeoutMs: 60_000 });
      await sim.down();
      await sleep(7000);
      // The reset runs on release: the cut window starts here.
      t0 = started();
      await sim.up();
      await waitGeneration(api, generation, () => true);
      await sim.close();
      break;
    }
    case "factory-reset": {
      writeCustomConfig();
      const sim = await SimClient.connect(d.simSocket, { timeoutMs: 60_000 });
      await sim.press(16_000);
      await sleep(1000);
      // The confirming short press starts the reset on its release.
      t0 = started();
      await sim.press(400);
      await waitGeneration(api, generation, () => configState() === "defaults" && !factoryPending());
      await sim.close();
      break;
    }
  }
  say("op-end", { op, ms: Math.round(performance.now() - t0) });
}

async function main(): Promise<void> {
  const plan = readPlan();
  if (plan.fresh) prepareFreshDisk();
  const t = performance.now();
  let d: DaemonProcess;
  try {
    d = await startDaemon(plan.daemonNodeArgs ?? []);
  } catch (err) {
    say("check", { obs: { started: false, startError: String(err).slice(-1500) } });
    return;
  }
  const startMs = Math.round(performance.now() - t);
  const api: Api = (method, p, body, token) =>
    apiRequest(d.apiSocket, { method, path: p, body, token, timeoutMs: 120_000 });
  const { obs, token, password } = await observe(api, plan);
  say("check", { obs, startMs });
  if (plan.checkOnly || obs.status?.fault !== undefined) {
    await d.stop();
    return;
  }
  const op: Op | null = obs.status?.state === "first-boot" ? "setup" : plan.provisionedOp;
  if (op === null) return;
  try {
    await runOp(op, d, api, plan, obs.status?.generation ?? 0, {
      ...(token ? { token } : {}),
      ...(password ? { password } : {}),
    });
  } catch (err) {
    say("op-error", { op, error: String(err).slice(0, 500), daemon: d.output().slice(-1500) });
  }
  // Wait for the power to go; the host cuts it.
  await sleep(600_000);
}

main().catch((err) => {
  say("fatal", { error: String(err?.stack ?? err).slice(0, 1500) });
  process.exitCode = 1;
});
