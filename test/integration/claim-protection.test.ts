// Issue 11: faults and restarts that used to hand the recorder to a stranger on the LAN. Each
// case mounts the fault against the real daemon process: SIGKILL, then damage to the files the
// store left on disk, then a restart; a stranger must never be able to claim the recorder.
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { apiRequest } from "../../cli/client.js";
import { SimClient } from "../../hal/sim/control-client.js";
import { type DaemonProcess, daemonEntry, repoRoot, spawnDaemon } from "../rigs/support/daemon-process.js";

const fixtures = path.join(repoRoot, "test/fixtures/recovery");
const kat = JSON.parse(readFileSync(path.join(fixtures, "security-code-kat.json"), "utf8")) as {
  stickerText: string;
};
const env = { RECOVERYD_FACTORY: path.join(fixtures, "factory-data.json") };
const config = {
  button: { shortMaxMs: 1000, credentialMs: 3000, factoryMs: 8000, stuckMs: 13000 },
};
const OWNER = { username: "owner", password: "violet tractor harbour 1987" };
const STRANGER = { username: "intruder", password: "seven quiet lanterns over the bay" };

const running: DaemonProcess[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop("SIGKILL");
});

async function start(baseDir?: string, extra: Record<string, unknown> = {}): Promise<DaemonProcess> {
  const d = await spawnDaemon({ baseDir, env, config: { ...config, ...extra } });
  running.push(d);
  return d;
}

async function kill(d: DaemonProcess): Promise<void> {
  await d.stop("SIGKILL");
  running.splice(running.indexOf(d), 1);
}

const api = (d: DaemonProcess, method: string, p: string, body?: unknown, token?: string) =>
  apiRequest(d.apiSocket, { method, path: p, body, token });

async function claimByShortPress(d: DaemonProcess): Promise<void> {
  const sim = await SimClient.connect(d.simSocket);
  try {
    await sim.press(200);
  } finally {
    await sim.close().catch(() => {});
  }
  // The press is classified on release; the window opens a moment later.
  for (let i = 0; i < 50; i++) {
    const st = (await api(d, "GET", "/v1/status")).body as { setupWindow?: { open: boolean } };
    if (st.setupWindow?.open) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("short press did not open the setup window");
}

async function provisioned(): Promise<DaemonProcess> {
  const d = await start();
  await claimByShortPress(d);
  expect((await api(d, "POST", "/v1/setup", OWNER)).status).toBe(201);
  expect((await api(d, "POST", "/v1/login", OWNER)).status).toBe(200);
  return d;
}

async function ledOf(d: DaemonProcess): Promise<string> {
  const sim = await SimClient.connect(d.simSocket);
  try {
    return (await sim.state()).reply.led;
  } finally {
    await sim.close().catch(() => {});
  }
}

function flipByte(file: string, offset: number): void {
  const fd = openSync(file, "r+");
  try {
    const b = Buffer.alloc(1);
    const data = readFileSync(file);
    b[0] = (data[offset] ?? 0) ^ 0x10;
    writeSync(fd, b, 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}

describe("only a physical act opens the setup window for everyone", () => {
  it("a fresh recorder is not claimable from the network until someone presses the button", async () => {
    const d = await start();
    const st = (await api(d, "GET", "/v1/status")).body as { state: string; setupWindow: { open: boolean } };
    expect(st.state).toBe("first-boot");
    expect(st.setupWindow.open).toBe(false);
    expect((await api(d, "POST", "/v1/setup", STRANGER)).status).toBe(403);
    // The sticker code claims it without touching it.
    const withCode = await api(d, "POST", "/v1/setup", { ...OWNER, securityCode: kat.stickerText });
    expect(withCode.status).toBe(201);
  });

  it("remote reset, SIGKILL, restart: the window stays closed and the caller's setup token still works", {
    timeout: 30_000,
  }, async () => {
    const d = await provisioned();
    const reset = await api(d, "POST", "/v1/recovery/security-code", { securityCode: kat.stickerText });
    expect(reset.status).toBe(200);
    const { setupToken } = reset.body as { setupToken: string };
    await kill(d);

    const again = await start(d.baseDir);
    const st = (await api(again, "GET", "/v1/status")).body as {
      state: string;
      setupWindow: { open: boolean };
    };
    expect(st.state).toBe("first-boot");
    expect(st.setupWindow.open).toBe(false);
    expect((await api(again, "POST", "/v1/setup", STRANGER)).status).toBe(403);
    await kill(again);

    // A second restart changes nothing, and the token survives both.
    const third = await start(d.baseDir);
    expect((await api(third, "POST", "/v1/setup", STRANGER)).status).toBe(403);
    expect((await api(third, "POST", "/v1/setup", { ...OWNER, setupToken })).status).toBe(201);
    expect((await api(third, "POST", "/v1/setup", { ...STRANGER, setupToken })).status).toBe(409);
  });

  it("openAtBoot opens the window at start only on a store that was never provisioned", {
    timeout: 30_000,
  }, async () => {
    const fresh = await start(undefined, { setupWindow: { openAtBoot: true } });
    expect(
      ((await api(fresh, "GET", "/v1/status")).body as { setupWindow: { open: boolean } }).setupWindow.open,
    ).toBe(true);
    expect((await api(fresh, "POST", "/v1/setup", OWNER)).status).toBe(201);
    const reset = await api(fresh, "POST", "/v1/recovery/security-code", { securityCode: kat.stickerText });
    expect(reset.status).toBe(200);
    await kill(fresh);
    const again = await start(fresh.baseDir, { setupWindow: { openAtBoot: true } });
    expect(
      ((await api(again, "GET", "/v1/status")).body as { setupWindow: { open: boolean } }).setupWindow.open,
    ).toBe(false);
    expect((await api(again, "POST", "/v1/setup", STRANGER)).status).toBe(403);
  });
});

describe("store loss is a fault, never first boot", () => {
  const damage: Record<string, (stateDir: string) => void> = {
    "the WAL deleted": (s) => rmSync(path.join(s, "credentials.db-wal"), { force: true }),
    "a bit of the WAL flipped": (s) => {
      const wal = path.join(s, "credentials.db-wal");
      if (statSync(wal, { throwIfNoEntry: false })?.size) flipByte(wal, 32 + 24 + 100);
    },
    "the database truncated to 0 bytes": (s) => truncateSync(path.join(s, "credentials.db"), 0),
    "the database deleted with its WAL": (s) => {
      for (const f of ["credentials.db", "credentials.db-wal", "credentials.db-shm"])
        rmSync(path.join(s, f), { force: true });
    },
    "a bit of the database flipped": (s) => flipByte(path.join(s, "credentials.db"), 4096 + 200),
  };

  for (const [name, harm] of Object.entries(damage)) {
    it(`${name} after provisioning: no stranger can claim the recorder`, { timeout: 30_000 }, async () => {
      const d = await provisioned();
      await kill(d);
      harm(d.stateDir);
      const again = await start(d.baseDir, { setupWindow: { openAtBoot: true } });
      const st = await api(again, "GET", "/v1/status");
      const state = (st.body as { state: string }).state;
      // Either the store kept what it had committed, or the loss is reported: never first boot.
      expect(["provisioned", "store-fault"]).toContain(state);
      expect((await api(again, "POST", "/v1/setup", STRANGER)).status).not.toBe(201);
      if (state === "store-fault") {
        expect(st.status).toBe(200);
        expect((st.body as { fault: { code: string } }).fault.code).toBe("store-fault");
        expect(await ledOf(again)).toBe("fault");
        const audit = readFileSync(path.join(again.stateDir, "audit", "audit.log"), "utf8");
        expect(audit).toContain('"event":"store-fault"');
        // A short press does not turn a lost store into first boot either.
        const sim = await SimClient.connect(again.simSocket);
        await sim.press(200);
        await sim.close().catch(() => {});
        expect(((await api(again, "GET", "/v1/status")).body as { state: string }).state).toBe("store-fault");
        expect((await api(again, "POST", "/v1/setup", STRANGER)).status).not.toBe(201);
      } else {
        expect((await api(again, "POST", "/v1/login", OWNER)).status).toBe(200);
      }
    });
  }

  it("the store-rebuild hold turns a store fault into first boot with the window open", {
    timeout: 30_000,
  }, async () => {
    const d = await provisioned();
    await kill(d);
    truncateSync(path.join(d.stateDir, "credentials.db"), 0);
    const broken = await start(d.baseDir);
    expect(((await api(broken, "GET", "/v1/status")).body as { state: string }).state).toBe("store-fault");
    const sim = await SimClient.connect(broken.simSocket);
    await sim.press(3300);
    await sim.close().catch(() => {});
    expect(await broken.exited).toBe(75);
    running.splice(running.indexOf(broken), 1);
    const rebuilt = await start(d.baseDir);
    const st = (await api(rebuilt, "GET", "/v1/status")).body as {
      state: string;
      setupWindow: { open: boolean };
    };
    expect(st.state).toBe("first-boot");
    // The technician holding the button is at the recorder: the window is theirs.
    expect(st.setupWindow.open).toBe(true);
    expect((await api(rebuilt, "POST", "/v1/setup", OWNER)).status).toBe(201);
  });
});

describe("one daemon per state directory", () => {
  it("a second daemon on the same state exits at once and leaves the first untouched", {
    timeout: 30_000,
  }, async () => {
    const first = await provisioned();
    const pepperBefore = readFileSync(path.join(first.stateDir, "credentials.pepper-1"));
    // Spawned by hand: the first daemon's socket would answer a readiness poll for it.
    const second = spawnSync(process.execPath, [daemonEntry], {
      env: {
        PATH: process.env.PATH,
        RECOVERYD_STATE_DIR: first.stateDir,
        RECOVERYD_RUNTIME_DIR: first.runtimeDir,
        RECOVERYD_CONFIG: path.join(first.baseDir, "recoveryd.json"),
        ...env,
      },
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(second.status).toBe(73);
    expect(second.stderr).toMatch(/another recoveryd is running on this state directory/);
    expect(readFileSync(path.join(first.stateDir, "credentials.pepper-1")).equals(pepperBefore)).toBe(true);
    expect((await api(first, "POST", "/v1/login", OWNER)).status).toBe(200);
    const login = (await api(first, "POST", "/v1/login", OWNER)).body as { token: string };
    const verify = await api(first, "GET", "/v1/audit/verify", undefined, login.token);
    expect(verify.status).toBe(200);
    expect((verify.body as { ok: boolean }).ok).toBe(true);
    // The simulated board's socket is still the first daemon's.
    expect(await ledOf(first)).toBe("off");
  });
});
