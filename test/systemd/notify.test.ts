import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../daemon/log.js";
import { commandSender, createNotifier, watchdogIntervalMs } from "../../daemon/systemd/notify.js";

const log = silentLogger();

function recorder() {
  const sent: string[][] = [];
  const send = vi.fn(async (fields: string[]) => {
    sent.push(fields);
    return true;
  });
  return { sent, send };
}

describe("watchdogIntervalMs", () => {
  it("is half of WATCHDOG_USEC, in ms", () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "20000000" }, 42)).toBe(10_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "5000000", WATCHDOG_PID: "42" }, 42)).toBe(2500);
  });
  it("ignores a watchdog that belongs to another pid", () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "20000000", WATCHDOG_PID: "7" }, 42)).toBeUndefined();
  });
  it("ignores missing or malformed values", () => {
    expect(watchdogIntervalMs({}, 1)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "0" }, 1)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "-5" }, 1)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "abc" }, 1)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "1000000", WATCHDOG_PID: "x" }, 1)).toBeUndefined();
  });
  it("never returns 0 for a tiny value", () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "1" }, 1)).toBe(1);
  });
  it("stays within what setInterval accepts for a huge value", () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: String(10 * 365 * 86400 * 1e6) }, 1)).toBe(2 ** 31 - 1);
  });
});

describe("createNotifier without NOTIFY_SOCKET", () => {
  it("sends nothing and arms no timer", async () => {
    vi.useFakeTimers();
    try {
      const { send } = recorder();
      const n = createNotifier({ WATCHDOG_USEC: "1000000" }, log, { send });
      expect(n.enabled).toBe(false);
      expect(n.watchdogIntervalMs).toBeUndefined();
      await n.ready("up");
      await n.status("x");
      await n.stopping();
      n.startWatchdog();
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(send).not.toHaveBeenCalled();
      n.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("defaults to process.env and is a no-op there too", async () => {
    const saved = process.env.NOTIFY_SOCKET;
    delete process.env.NOTIFY_SOCKET;
    try {
      const { send } = recorder();
      const n = createNotifier(undefined, log, { send });
      await n.ready();
      expect(send).not.toHaveBeenCalled();
    } finally {
      if (saved !== undefined) process.env.NOTIFY_SOCKET = saved;
    }
  });
});

describe("createNotifier with NOTIFY_SOCKET", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends READY with a one-line status, STATUS and STOPPING", async () => {
    const { sent, send } = recorder();
    const n = createNotifier({ NOTIFY_SOCKET: "/run/systemd/notify" }, log, { send });
    expect(n.enabled).toBe(true);
    await n.ready("armed\nlistening");
    await n.status("generation 3");
    await n.stopping("bye");
    expect(sent).toEqual([
      ["READY=1", "STATUS=armed listening"],
      ["STATUS=generation 3"],
      ["STOPPING=1", "STATUS=bye"],
    ]);
  });

  it("pings at WATCHDOG_USEC/2 from one interval, and stops when closed", async () => {
    const { sent, send } = recorder();
    const n = createNotifier({ NOTIFY_SOCKET: "@sd", WATCHDOG_USEC: "4000000", WATCHDOG_PID: "99" }, log, {
      send,
      pid: 99,
    });
    expect(n.watchdogIntervalMs).toBe(2000);
    n.startWatchdog();
    n.startWatchdog(); // idempotent: still one timer
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([["WATCHDOG=1"]]); // one ping right away
    await vi.advanceTimersByTimeAsync(1999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(6000);
    expect(sent).toHaveLength(5);
    n.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toHaveLength(5);
    await n.ready();
    expect(sent).toHaveLength(5);
  });

  it("does not arm a watchdog that is not ours", async () => {
    const { send } = recorder();
    const n = createNotifier({ NOTIFY_SOCKET: "@sd", WATCHDOG_USEC: "4000000", WATCHDOG_PID: "1" }, log, {
      send,
      pid: 99,
    });
    n.startWatchdog();
    expect(vi.getTimerCount()).toBe(0);
    expect(send).not.toHaveBeenCalled();
  });

  it("never stacks pings behind a slow one", async () => {
    let release: (() => void) | undefined;
    const send = vi.fn(
      (_fields: string[]) =>
        new Promise<boolean>((resolve) => {
          release = () => resolve(true);
        }),
    );
    const n = createNotifier({ NOTIFY_SOCKET: "@sd", WATCHDOG_USEC: "2000000" }, log, { send });
    n.startWatchdog();
    await vi.advanceTimersByTimeAsync(5000);
    expect(send).toHaveBeenCalledTimes(1);
    release?.();
    await vi.advanceTimersByTimeAsync(1000);
    expect(send).toHaveBeenCalledTimes(2);
    n.close();
  });

  it("a blocked event loop stops the pings", async () => {
    vi.useRealTimers();
    const { sent, send } = recorder();
    const n = createNotifier({ NOTIFY_SOCKET: "@sd", WATCHDOG_USEC: "40000" }, log, { send });
    n.startWatchdog(); // every 20 ms
    await new Promise((r) => setTimeout(r, 70));
    const before = sent.length;
    expect(before).toBeGreaterThanOrEqual(2);
    const until = Date.now() + 150;
    while (Date.now() < until) {
      // busy: the interval cannot run
    }
    expect(sent.length).toBe(before);
    n.close();
  });
});

describe("commandSender", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "notify-test-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("maps fields to systemd-notify arguments and passes only NOTIFY_SOCKET and PATH", async () => {
    const out = path.join(dir, "calls");
    const fake = path.join(dir, "fake-notify");
    writeFileSync(
      fake,
      `#!/bin/sh\n{ printf '%s|' "$@"; printf 'SOCK=%s SECRET=%s\\n' "$NOTIFY_SOCKET" "$SECRET"; } >> ${out}\n`,
    );
    chmodSync(fake, 0o755);
    const env = { NOTIFY_SOCKET: "/run/x", PATH: process.env.PATH, SECRET: "s3cr3t" };
    const n = createNotifier(env, log, { command: fake });
    await n.ready("up and armed");
    await n.status("hello");
    await n.stopping();
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines).toEqual([
      "--ready|--status=up and armed|SOCK=/run/x SECRET=",
      "--status=hello|SOCK=/run/x SECRET=",
      "STOPPING=1|SOCK=/run/x SECRET=",
    ]);
  });

  it("resolves false, once-logged, when the command is missing or fails", async () => {
    const warn = vi.fn();
    const fakeLog = { debug: vi.fn(), info: vi.fn(), warn } as unknown as Parameters<typeof commandSender>[1];
    const missing = commandSender({ NOTIFY_SOCKET: "/x" }, fakeLog, path.join(dir, "nope"));
    expect(await missing(["READY=1"])).toBe(false);
    expect(await missing(["WATCHDOG=1"])).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    const failing = commandSender({ NOTIFY_SOCKET: "/x", PATH: process.env.PATH }, fakeLog, "false");
    expect(await failing(["WATCHDOG=1"])).toBe(false);
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

// The real systemd-notify against a datagram socket that behaves like PID 1's: it records each
// message and closes the fd of a BARRIER=1 message, which is what lets systemd-notify return.
const python = whichSync("python3");
const systemdNotify = whichSync("systemd-notify");
const RECEIVER = `
import os, socket, sys, array
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print("listening", flush=True)
while True:
    data, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(16 * 4) + socket.CMSG_SPACE(12))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
            for fd in fds:
                os.close(fd)
    text = data.decode()
    if text != "BARRIER=1":
        print("MSG " + text.replace("\\n", "|"), flush=True)
`;

describe.skipIf(!python || !systemdNotify)("real systemd-notify against a fake service manager", () => {
  let dir: string;
  let receiver: ChildProcess;
  let lines: string[];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "notify-real-"));
    lines = [];
    receiver = spawn(python as string, ["-c", RECEIVER, path.join(dir, "notify")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      receiver.once("error", reject);
      receiver.stdout?.setEncoding("utf8");
      let buf = "";
      receiver.stdout?.on("data", (chunk: string) => {
        buf += chunk;
        let i = buf.indexOf("\n");
        while (i >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line === "listening") resolve();
          else lines.push(line);
          i = buf.indexOf("\n");
        }
      });
    });
  });
  afterEach(() => {
    receiver.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers READY, STATUS and WATCHDOG and returns after the barrier", async () => {
    const n = createNotifier(
      { NOTIFY_SOCKET: path.join(dir, "notify"), PATH: process.env.PATH, WATCHDOG_USEC: "200000" },
      log,
    );
    const t0 = performance.now();
    await n.ready("armed");
    const readyMs = performance.now() - t0;
    n.startWatchdog(); // every 100 ms
    await new Promise((r) => setTimeout(r, 350));
    n.close();
    await n.status("after close");
    expect(lines[0]).toBe("MSG READY=1|STATUS=armed");
    const pings = lines.filter((l) => l === "MSG WATCHDOG=1").length;
    expect(pings).toBeGreaterThanOrEqual(3);
    expect(lines.some((l) => l.includes("after close"))).toBe(false);
    // The barrier completed (otherwise systemd-notify waits 5 s and fails).
    expect(readyMs).toBeLessThan(2000);
  });
});

function whichSync(cmd: string): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}
