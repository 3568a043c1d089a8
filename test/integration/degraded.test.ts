// Issue 11: "degraded, not dead". Each broken part (a read-only or full state directory, a
// read-only runtime directory, garbled or missing factory data, an empty pending-reset marker, a
// directory where the pepper belongs) used to make the daemon exit into a restart loop with a dark
// LED, or answer 500, or wipe. Against the real daemon, on real read-only and full file systems
// (tmpfs mounts; the tests run as root, as CI does): status answers, the button keeps working,
// what needs the broken part is refused with a stable code.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { apiRequest, openEventStream, type StreamEvent } from "../../cli/client.js";
import { SimClient } from "../../hal/sim/control-client.js";
import { TestMounts } from "../helpers/mounts.js";
import { type DaemonProcess, makeBaseDir, repoRoot, spawnDaemon } from "../rigs/support/daemon-process.js";

const OWNER = { username: "owner", password: "violet tractor harbour 1987" };
const config = {
  button: { shortMaxMs: 1000, credentialMs: 3000, factoryMs: 8000, stuckMs: 13000 },
  setupWindow: { openAtBoot: true },
};

/** Every audit file, general and security log alike. */
function auditText(stateDir: string): string {
  const dir = path.join(stateDir, "audit");
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
}

const mounts = new TestMounts();
const running: DaemonProcess[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop("SIGKILL");
  mounts.releaseAll();
});

const tmpfs = (dir: string, sizeKiB: number) => mounts.tmpfs(dir, sizeKiB);
const remountReadOnly = (dir: string) => mounts.readOnly(dir);
const remountWritable = (dir: string) => mounts.writable(dir);

async function start(baseDir: string, env: NodeJS.ProcessEnv = {}): Promise<DaemonProcess> {
  const d = await spawnDaemon({ baseDir, config, env });
  running.push(d);
  return d;
}

const api = (d: DaemonProcess, method: string, p: string, body?: unknown) =>
  apiRequest(d.apiSocket, { method, path: p, body });

/** A short press on the simulated board, and the press event the daemon classified from it. */
async function buttonWorks(d: DaemonProcess): Promise<void> {
  const seen: StreamEvent[] = [];
  const stream = await openEventStream(d.apiSocket, (e) => seen.push(e));
  const sim = await SimClient.connect(d.simSocket);
  try {
    await sim.press(300);
    for (let i = 0; i < 100 && !seen.some((e) => e.type === "press"); i++)
      await new Promise((r) => setTimeout(r, 20));
  } finally {
    await sim.close().catch(() => {});
    stream.close();
  }
  expect(seen.find((e) => e.type === "press")?.data).toMatchObject({ tier: "short" });
}

async function provisionedIn(baseDir: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const d = await start(baseDir, env);
  expect((await api(d, "POST", "/v1/setup", OWNER)).status).toBe(201);
  await d.stop();
  running.splice(running.indexOf(d), 1);
}

describe("degraded, not dead", () => {
  it("a read-only state directory: status names the fault, the button works, nothing exits", async () => {
    const baseDir = makeBaseDir();
    tmpfs(path.join(baseDir, "state"), 8192);
    await provisionedIn(baseDir);
    remountReadOnly(path.join(baseDir, "state"));
    const d = await start(baseDir);
    const st = await api(d, "GET", "/v1/status");
    expect(st.status).toBe(200);
    expect((st.body as { state: string; fault: { code: string } }).state).toBe("store-fault");
    expect((st.body as { fault: { code: string } }).fault.code).toBe("store-unavailable");
    const login = await api(d, "POST", "/v1/login", OWNER);
    expect(login.status).toBe(503);
    await buttonWorks(d);
    expect(d.proc.exitCode).toBeNull();
  });

  it("a full state directory: wrong logins are still counted and lock; the right one gets 503, not 500", async () => {
    const baseDir = makeBaseDir();
    tmpfs(path.join(baseDir, "state"), 4096);
    await provisionedIn(baseDir);
    const d = await start(baseDir);
    mounts.fill(path.join(baseDir, "state", "filler"));
    const ok = await api(d, "POST", "/v1/login", OWNER);
    expect(ok.status).toBe(503);
    expect((ok.body as { error: { code: string } }).error.code).toBe("storage_full");
    for (let i = 0; i < 5; i++) {
      const r = await api(d, "POST", "/v1/login", { ...OWNER, password: `wrong guess ${i}` });
      expect(r.status).toBe(401);
    }
    expect((await api(d, "POST", "/v1/login", OWNER)).status).toBe(423);
    expect((await api(d, "GET", "/v1/status")).status).toBe(200);
    await buttonWorks(d);
  });

  it("a read-only runtime directory: the daemon stays up, and serves as soon as it is writable", {
    timeout: 30_000,
  }, async () => {
    const baseDir = makeBaseDir();
    const run = path.join(baseDir, "run");
    tmpfs(run, 1024);
    remountReadOnly(run);
    const d = spawnDaemon({ baseDir, config, readyTimeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 2500));
    remountWritable(run);
    const up = await d;
    running.push(up);
    expect(up.output()).toMatch(/api socket: cannot listen; retrying/);
    expect(up.output()).toMatch(/sim control socket: cannot listen; retrying/);
    // The retry comes within its backoff; then both sockets serve and the LED leaves the fault.
    let st = { status: 0, body: {} as unknown };
    for (let i = 0; i < 150 && st.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      st = await api(up, "GET", "/v1/status").catch(() => ({ status: 0, body: {} }));
    }
    expect(st.status).toBe(200);
    for (let i = 0; i < 100 && !existsSync(up.simSocket); i++) await new Promise((r) => setTimeout(r, 100));
    const sim = await SimClient.connect(up.simSocket);
    try {
      for (let i = 0; i < 50 && (await sim.state()).reply.led === "fault"; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect((await sim.state()).reply.led).toBe("setup-pending");
    } finally {
      await sim.close().catch(() => {});
    }
    expect(up.output()).toMatch(/api socket: listening again/);
    await buttonWorks(up);
  });

  it("garbled factory data: status names the fault, recovery paths refuse with a stable code, setup by button still works", async () => {
    const baseDir = makeBaseDir();
    const factory = path.join(baseDir, "factory.json");
    writeFileSync(factory, "{ this is not json");
    const d = await start(baseDir, { RECOVERYD_FACTORY: factory });
    const st = (await api(d, "GET", "/v1/status")).body as { faults?: { code: string }[]; state: string };
    expect(st.state).toBe("first-boot");
    expect(st.faults?.map((f) => f.code)).toContain("factory-data-invalid");
    const sc = await api(d, "POST", "/v1/recovery/security-code", { securityCode: "AAAA-AAAA-AAAA-AAAA" });
    expect(sc.status).toBe(503);
    expect((sc.body as { error: { code: string } }).error.code).toBe("factory_data_unavailable");
    await buttonWorks(d);
    expect((await api(d, "POST", "/v1/setup", OWNER)).status).toBe(201);
  });

  it("a configured factory data file that does not exist is a named fault, not silently ignored", async () => {
    const baseDir = makeBaseDir();
    const d = await start(baseDir, { RECOVERYD_FACTORY: path.join(baseDir, "nowhere.json") });
    const st = (await api(d, "GET", "/v1/status")).body as { faults?: { code: string }[] };
    expect(st.faults?.map((f) => f.code)).toContain("factory-data-missing");
    expect(readFileSync(path.join(d.stateDir, "audit", "audit.log"), "utf8")).toContain(
      "factory-data-missing",
    );
  });

  it("an empty or unparsable factory-reset.pending is reported and ignored, never executed", async () => {
    const baseDir = makeBaseDir();
    await provisionedIn(baseDir);
    for (const content of ["", "{not json", '{"v":1,"phase":"explode"}']) {
      mkdirSync(path.join(baseDir, "state", "recovery"), { recursive: true });
      writeFileSync(path.join(baseDir, "state", "recovery", "factory-reset.pending"), content);
      const d = await start(baseDir);
      const st = (await api(d, "GET", "/v1/status")).body as { state: string };
      expect(st.state).toBe("provisioned");
      expect((await api(d, "POST", "/v1/login", OWNER)).status).toBe(200);
      expect(auditText(d.stateDir)).toContain("factory-reset-marker-invalid");
      await d.stop();
      running.splice(running.indexOf(d), 1);
    }
  });

  it("a directory where the pepper belongs is removed by the store-rebuild hold", {
    timeout: 30_000,
  }, async () => {
    const baseDir = makeBaseDir();
    await provisionedIn(baseDir);
    const pepper = path.join(baseDir, "state", "credentials.pepper-1");
    rmSync(pepper);
    mkdirSync(path.join(pepper, "nested"), { recursive: true });
    writeFileSync(path.join(pepper, "nested", "junk"), "x");
    const broken = await start(baseDir);
    expect(((await api(broken, "GET", "/v1/status")).body as { state: string }).state).toBe("store-fault");
    const sim = await SimClient.connect(broken.simSocket);
    await sim.press(3300);
    await sim.close().catch(() => {});
    expect(await broken.exited).toBe(75);
    running.splice(running.indexOf(broken), 1);
    const fresh = await start(baseDir);
    expect(((await api(fresh, "GET", "/v1/status")).body as { state: string }).state).toBe("first-boot");
    expect((await api(fresh, "POST", "/v1/setup", OWNER)).status).toBe(201);
  });
  it("a state directory gone read-only under the running daemon: a remote reset is 503, and changes nothing", async () => {
    // Found by the OpenAPI conformance test: the security-code reset answered 500 internal here.
    const baseDir = makeBaseDir();
    const state = tmpfs(path.join(baseDir, "state"), 4096);
    const d = await spawnDaemon({
      baseDir,
      config: { ...config, setupWindow: { openAtBoot: true } },
      env: { RECOVERYD_FACTORY: path.join(repoRoot, "test/fixtures/recovery/factory-data.json") },
    });
    running.push(d);
    expect((await api(d, "POST", "/v1/setup", OWNER)).status).toBe(201);
    mounts.readOnlyView(state);
    const sticker = (
      JSON.parse(
        readFileSync(path.join(repoRoot, "test/fixtures/recovery/security-code-kat.json"), "utf8"),
      ) as {
        stickerText: string;
      }
    ).stickerText;
    const r = await api(d, "POST", "/v1/recovery/security-code", { securityCode: sticker });
    expect(r.status, JSON.stringify(r.body)).toBe(503);
    expect((r.body as { error: { code: string } }).error.code).toBe("storage_unavailable");
    expect((await api(d, "POST", "/v1/login", OWNER)).status).toBe(200);
    const st = (await api(d, "GET", "/v1/status")).body as { state: string; generation: number };
    expect(st).toMatchObject({ state: "provisioned", generation: 1 });
  });
});
