#!/usr/bin/env node
// arm64 smoke test: runs the daemon with the arm64 Node under qemu-aarch64-static (user-mode
// emulation, private sysroot) on the simulated board, and drives it from this (host) Node process
// through its sockets: setup, login, a 7 s press on the virtual button (credential reset), and
// the check that the recorder is back in first-boot with a new generation and the old session dead.
// No binfmt_misc is needed: qemu is spawned explicitly and the daemon spawns no Node children
// (NOTIFY_SOCKET is unset, so not even systemd-notify).
//
//   node test/rigs/arm64/smoke.mjs --qemu PATH --sysroot DIR --node DIR --app DIR
// Prints PASS:/FAIL:/INFO: lines; exit 0 when every check passed.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const { values: opt } = parseArgs({
  options: {
    qemu: { type: "string", default: "qemu-aarch64-static" },
    sysroot: { type: "string" },
    node: { type: "string" },
    app: { type: "string" },
    "hold-ms": { type: "string", default: "7000" },
    keep: { type: "boolean", default: false },
  },
});
if (!opt.sysroot || !opt.node || !opt.app) {
  process.stderr.write("usage: smoke.mjs --sysroot DIR --node DIR --app DIR [--qemu PATH]\n");
  process.exit(2);
}

const results = [];
let failed = false;
const t0 = performance.now();
const ms = (since) => Math.round(performance.now() - since);
function pass(text) {
  results.push(`PASS: ${text}`);
  process.stdout.write(`PASS: ${text}\n`);
}
function fail(text) {
  failed = true;
  results.push(`FAIL: ${text}`);
  process.stdout.write(`FAIL: ${text}\n`);
}
function info(text) {
  process.stdout.write(`INFO: ${text}\n`);
}
const sleep = (n) => new Promise((r) => setTimeout(r, n));

const nodeBin = path.join(opt.node, "bin", "node");
const qemuEnv = { ...process.env, QEMU_LD_PREFIX: opt.sysroot };
delete qemuEnv.NOTIFY_SOCKET;
delete qemuEnv.WATCHDOG_USEC;
delete qemuEnv.WATCHDOG_PID;

// --- 1. the emulated runtime and the cross-built native modules --------------------------------
{
  const t = performance.now();
  const probe = spawnSync(
    opt.qemu,
    [
      nodeBin,
      "-e",
      `const t = performance.now();
       const Database = require("better-sqlite3"); const argon2 = require("argon2"); require("epoll");
       const loadMs = Math.round(performance.now() - t);
       const db = new Database(":memory:"); const v = db.prepare("select sqlite_version() v").get().v;
       const h0 = performance.now();
       argon2.hash("x".repeat(20), { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 })
         .then(async (h) => { const hashMs = Math.round(performance.now() - h0); const v0 = performance.now();
           const ok = await argon2.verify(h, "x".repeat(20));
           console.log(JSON.stringify({ arch: process.arch, node: process.versions.node, loadMs, sqlite: v, hashMs,
             verifyMs: Math.round(performance.now() - v0), ok })); });`,
    ],
    { cwd: opt.app, env: qemuEnv, encoding: "utf8", timeout: 120_000 },
  );
  let r;
  try {
    r = JSON.parse(probe.stdout.trim().split("\n").pop() ?? "");
  } catch {
    r = undefined;
  }
  if (probe.status === 0 && r?.arch === "arm64" && r.ok === true) {
    pass(
      `arm64 Node ${r.node} under qemu loads better-sqlite3 (SQLite ${r.sqlite}), argon2, epoll in ${r.loadMs} ms; argon2id m=19456 t=2 p=1 hash ${r.hashMs} ms, verify ${r.verifyMs} ms (process ${ms(t)} ms)`,
    );
  } else {
    fail(
      `arm64 Node under qemu: status ${probe.status} ${probe.error?.message ?? ""} ${probe.stderr?.slice(-400)}`,
    );
    finish();
  }
}

// --- 2. the daemon, emulated -------------------------------------------------------------------
const work = mkdtempSync(path.join(tmpdir(), "recoveryd-arm64-"));
const stateDir = path.join(work, "state");
const runtimeDir = path.join(work, "run");
const configFile = path.join(work, "recoveryd.json");
writeFileSync(
  configFile,
  `${JSON.stringify({ board: "sim", log: { level: "info" }, setupWindow: { openAtBoot: true } }, null, 2)}\n`,
);
const apiSock = path.join(runtimeDir, "api.sock");
const simSock = path.join(runtimeDir, "sim.sock");

const logLines = [];
const tStart = performance.now();
const daemon = spawn(opt.qemu, [nodeBin, path.join(opt.app, "dist/recoveryd.mjs")], {
  cwd: work,
  env: {
    ...qemuEnv,
    RECOVERYD_CONFIG: configFile,
    RECOVERYD_STATE_DIR: stateDir,
    RECOVERYD_RUNTIME_DIR: runtimeDir,
  },
  stdio: ["ignore", "pipe", "pipe"],
});
let exitInfo;
const exited = new Promise((resolve) => {
  daemon.on("exit", (code, signal) => {
    exitInfo = { code, signal };
    resolve(exitInfo);
  });
});
for (const stream of [daemon.stdout, daemon.stderr]) {
  stream.setEncoding("utf8");
  let buf = "";
  stream.on("data", (c) => {
    buf += c;
    let i = buf.indexOf("\n");
    while (i >= 0) {
      logLines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      i = buf.indexOf("\n");
    }
  });
}

function api(method, p, body, token) {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = {};
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(payload);
    }
    if (token) headers.authorization = `Bearer ${token}`;
    const req = http.request({ socketPath: apiSock, method, path: p, headers, timeout: 60_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => {
        text += c;
      });
      res.on("end", () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
        resolve({ status: res.statusCode ?? 0, body: json });
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err) => resolve({ status: 0, body: { error: { code: err.code ?? err.message } } }));
    req.end(payload);
  });
}

/** One request line on sim.sock, one reply line back. */
function sim(request) {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(simSock);
    let buf = "";
    s.setEncoding("utf8");
    s.on("connect", () => s.write(`${JSON.stringify(request)}\n`));
    s.on("data", (c) => {
      buf += c;
      const i = buf.indexOf("\n");
      if (i >= 0) {
        s.end();
        try {
          resolve(JSON.parse(buf.slice(0, i)));
        } catch (err) {
          reject(err);
        }
      }
    });
    s.on("error", reject);
    s.setTimeout(10_000, () => s.destroy(new Error("sim.sock timeout")));
  });
}

async function waitFor(what, timeoutMs, fn) {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (exitInfo) throw new Error(`daemon exited (${JSON.stringify(exitInfo)}) while waiting for ${what}`);
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

const password = "violet quartz arm64 smoke 7192";
try {
  const status0 = await waitFor("the API socket", 120_000, async () => {
    const r = await api("GET", "/v1/status");
    return r.status === 200 ? r.body : undefined;
  });
  const startMs = ms(tStart);
  if (status0.state === "first-boot") {
    pass(
      `daemon under qemu-aarch64 answers GET /v1/status ${startMs} ms after spawn: first-boot, generation ${status0.generation}`,
    );
  } else fail(`unexpected first status ${JSON.stringify(status0)}`);

  let t = performance.now();
  const setup = await api("POST", "/v1/setup", { username: "admin", password });
  if (setup.status >= 200 && setup.status < 300) pass(`setup of admin: ${setup.status} in ${ms(t)} ms`);
  else fail(`setup: ${setup.status} ${JSON.stringify(setup.body)}`);

  t = performance.now();
  const login = await api("POST", "/v1/login", { username: "admin", password });
  const token = login.body?.token;
  if (login.status === 200 && typeof token === "string")
    pass(`login: 200, role ${login.body.role}, in ${ms(t)} ms`);
  else fail(`login: ${login.status} ${JSON.stringify(login.body)}`);
  const session = await api("GET", "/v1/session", undefined, token);
  const provisioned = await api("GET", "/v1/status");
  if (session.status === 200 && provisioned.body?.state === "provisioned")
    pass(`session valid (GET /v1/session 200), state provisioned, generation ${provisioned.body.generation}`);
  else fail(`session ${session.status}, status ${JSON.stringify(provisioned.body)}`);

  // --- 3. a 7 s press on the virtual button: credential reset -----------------------------------
  const holdMs = Number(opt["hold-ms"]);
  const gen0 = provisioned.body?.generation ?? 0;
  const down = await sim({ op: "down" });
  const tDown = performance.now();
  await sleep(holdMs);
  const up = await sim({ op: "up" });
  const held = up.atMs - down.atMs;
  t = performance.now();
  const after = await waitFor("first-boot after the press", 20_000, async () => {
    const r = await api("GET", "/v1/status");
    return r.body?.state === "first-boot" && r.body.generation > gen0 ? r.body : undefined;
  });
  const dead = await api("GET", "/v1/session", undefined, token);
  const reason = after.lastReset?.reason;
  if (down.ok && up.ok && dead.status === 401 && (reason === undefined || reason === "button")) {
    pass(
      `${Math.round(held)} ms press (board clock; ${ms(tDown)} ms wall) via sim.sock: credential reset, first-boot again ${ms(t)} ms after release, generation ${gen0} -> ${after.generation}, old session 401, setup window ${after.setupWindow?.open ? "open" : "closed"}`,
    );
  } else {
    fail(
      `press round trip: down ${JSON.stringify(down)} up ${JSON.stringify(up)} session ${dead.status} status ${JSON.stringify(after)}`,
    );
  }
} catch (err) {
  fail(`${err.message}`);
}

// --- 4. clean stop -----------------------------------------------------------------------------
if (!exitInfo) {
  const t = performance.now();
  daemon.kill("SIGTERM");
  const timer = setTimeout(() => daemon.kill("SIGKILL"), 20_000);
  const r = await exited;
  clearTimeout(timer);
  if (r.code === 0) pass(`SIGTERM: clean exit 0 in ${ms(t)} ms`);
  else fail(`SIGTERM: exit ${JSON.stringify(r)}`);
} else {
  fail(`daemon exited early: ${JSON.stringify(exitInfo)}`);
}
const nonJson = logLines.filter((l) => {
  try {
    return JSON.parse(l).svc !== "recoveryd";
  } catch {
    return true;
  }
});
if (failed || nonJson.length) {
  info(`daemon output (last 30 lines):\n${logLines.slice(-30).join("\n")}`);
}
if (!opt.keep) rmSync(work, { recursive: true, force: true });
finish();

function finish() {
  info(`smoke test wall time ${ms(t0)} ms`);
  process.exit(failed ? 1 : 0);
}
