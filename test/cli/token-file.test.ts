// Issue 15: the session file is keyed by the daemon's socket, so one user driving two daemons on
// one machine (two real daemon processes here) keeps two sessions instead of one clobbering the other.
import { stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { socketKey, tokenDir, tokenFilePath } from "../../cli/token-file.js";
import { apiOf, spawnWithFactory } from "../integration/support/adversary.js";
import type { DaemonProcess } from "../rigs/support/daemon-process.js";
import { type CtlHome, ctl, ctlHome } from "./support.js";

const ALICE = { username: "alice", password: "violet tractor harbour 1987" };
const BOB = { username: "bob", password: "amber kettle lighthouse 5521" };

let one: DaemonProcess;
let two: DaemonProcess;
let home: CtlHome;

beforeAll(async () => {
  [one, two] = await Promise.all([spawnWithFactory(), spawnWithFactory()]);
  for (const [d, who] of [
    [one, ALICE],
    [two, BOB],
  ] as const) {
    const r = await apiOf(d)("POST", "/v1/setup", who);
    if (r.status !== 201) throw new Error(`setup answered ${r.status}: ${JSON.stringify(r.body)}`);
  }
  home = await ctlHome();
}, 90_000);
afterAll(async () => {
  await Promise.all([one?.stop(), two?.stop()]);
});

const usersOn = async (d: DaemonProcess, env?: NodeJS.ProcessEnv) => {
  const r = await ctl(home, ["users", "--json", "--socket", d.apiSocket], { env });
  return {
    code: r.code,
    names: r.code === 0 ? JSON.parse(r.stdout).users.map((u: { username: string }) => u.username) : [],
  };
};

describe("one session file per daemon socket", () => {
  test("pure: the key is of the absolute socket path; XDG_RUNTIME_DIR, else ~/.recoveryctl", () => {
    expect(socketKey("/run/recoveryd/api.sock")).toMatch(/^[0-9a-f]{16}$/);
    expect(socketKey("/run/a/api.sock")).not.toBe(socketKey("/run/b/api.sock"));
    expect(socketKey(path.relative(process.cwd(), "/tmp/x.sock"))).toBe(socketKey("/tmp/x.sock"));
    expect(tokenDir({ XDG_RUNTIME_DIR: "/run/user/1000", HOME: "/home/u" })).toBe(
      "/run/user/1000/recoveryctl",
    );
    expect(tokenDir({ HOME: "/home/u" })).toBe("/home/u/.recoveryctl");
    expect(tokenFilePath({ HOME: "/home/u" }, "/tmp/x.sock", "setup")).toBe(
      `/home/u/.recoveryctl/${socketKey("/tmp/x.sock")}.setup-token`,
    );
  });

  test("logging in to two daemons keeps both sessions; logout of one leaves the other", {
    timeout: 60_000,
  }, async () => {
    const a = await ctl(home, ["login", ALICE.username, "--socket", one.apiSocket], {
      stdin: `${ALICE.password}\n`,
    });
    expect(a.code).toBe(0);
    const b = await ctl(home, ["login", BOB.username, "--socket", two.apiSocket], {
      stdin: `${BOB.password}\n`,
    });
    expect(b.code).toBe(0);

    const fileOne = tokenFilePath(home.env, one.apiSocket);
    const fileTwo = tokenFilePath(home.env, two.apiSocket);
    expect(fileOne).not.toBe(fileTwo);
    expect(a.stdout).toContain(fileOne);
    expect((await stat(fileOne)).mode & 0o777).toBe(0o600);
    expect((await stat(fileTwo)).mode & 0o777).toBe(0o600);
    expect((await stat(tokenDir(home.env))).mode & 0o777).toBe(0o700);

    // Each daemon is still reached with its own session (before the fix, bob's login replaced alice's).
    expect(await usersOn(one)).toEqual({ code: 0, names: ["alice"] });
    expect(await usersOn(two)).toEqual({ code: 0, names: ["bob"] });

    expect((await ctl(home, ["logout", "--socket", one.apiSocket])).code).toBe(0);
    await expect(stat(fileOne)).rejects.toMatchObject({ code: "ENOENT" });
    expect((await usersOn(one)).code).toBe(1);
    expect(await usersOn(two)).toEqual({ code: 0, names: ["bob"] });
  });

  test("without XDG_RUNTIME_DIR the session goes to ~/.recoveryctl/, mode 0600", {
    timeout: 60_000,
  }, async () => {
    const env = { XDG_RUNTIME_DIR: "" };
    const r = await ctl(home, ["login", ALICE.username, "--socket", one.apiSocket], {
      stdin: `${ALICE.password}\n`,
      env,
    });
    expect(r.code).toBe(0);
    const file = path.join(home.dir, ".recoveryctl", `${socketKey(one.apiSocket)}.token`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await usersOn(one, env)).toEqual({ code: 0, names: ["alice"] });
  });
});
