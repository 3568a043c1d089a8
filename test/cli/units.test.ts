// recoveryctl's pure parts: durations, arguments, socket discovery, the SSE parser, output.
import { PassThrough, Readable, Writable } from "node:stream";
import { describe, expect, test } from "vitest";
import { checkFlags, parseArgs } from "../../cli/args.js";
import { parseDuration } from "../../cli/duration.js";
import { UsageError } from "../../cli/exit.js";
import { formatEvent, formatStatus } from "../../cli/format.js";
import { InterruptedError, SecretReader } from "../../cli/secrets.js";
import { findApiSocket, simSocketFor } from "../../cli/socket-path.js";
import { SseParser } from "../../cli/sse.js";

describe("parseDuration", () => {
  test.each([
    ["7s", 7000],
    ["7000ms", 7000],
    ["1.5s", 1500],
    ["0.25s", 250],
    [".5s", 500],
    ["0ms", 0],
    [" 30s ", 30000],
  ])("%s → %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(["7", "7000", "0", "1.5"])("a bare number %j needs a unit", (text) => {
    expect(() => parseDuration(text)).toThrow(/needs a unit: write \S+s or \d+ms/);
  });

  test.each(["", "s", "7 s", "-1s", "1e3", "7m", "abc", "1.2.3s", "601s", "7sec"])("refuses %j", (text) => {
    expect(() => parseDuration(text)).toThrow(UsageError);
  });
});

describe("parseArgs", () => {
  test("positionals and flags in any order, --flag=value, --", () => {
    const a = parseArgs([
      "--json",
      "users",
      "add",
      "bob",
      "--role=viewer",
      "--socket",
      "/x.sock",
      "--",
      "--not-a-flag",
    ]);
    expect(a.positionals).toEqual(["users", "add", "bob", "--not-a-flag"]);
    expect(Object.fromEntries(a.flags)).toEqual({ json: true, role: "viewer", socket: "/x.sock" });
  });

  test.each([
    [["--nope"], /unknown option --nope/],
    [["-x"], /unknown option -x/],
    [["--json=1"], /takes no value/],
    [["--socket"], /needs a value/],
    [["--role", "a", "--role", "b"], /given twice/],
  ])("%j is a usage error", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });

  test("flags that do not apply to a command are refused", () => {
    expect(() => checkFlags(parseArgs(["status", "--role", "x"]), [], "status")).toThrow(/does not apply/);
    expect(() => checkFlags(parseArgs(["status", "--json", "-h"]), [], "status")).not.toThrow();
  });
});

describe("findApiSocket", () => {
  const none = () => false;
  test("--socket, then RECOVERYD_SOCKET, then RECOVERYD_RUNTIME_DIR, then ./.recoveryd/run, then /run", () => {
    const env = { RECOVERYD_SOCKET: "/env.sock", RECOVERYD_RUNTIME_DIR: "/rt" };
    expect(findApiSocket("/flag.sock", env, "/cwd", none)).toBe("/flag.sock");
    expect(findApiSocket(undefined, env, "/cwd", none)).toBe("/env.sock");
    expect(findApiSocket(undefined, { RECOVERYD_RUNTIME_DIR: "/rt" }, "/cwd", none)).toBe("/rt/api.sock");
    expect(findApiSocket(undefined, {}, "/cwd", (p) => p === "/cwd/.recoveryd/run/api.sock")).toBe(
      "/cwd/.recoveryd/run/api.sock",
    );
    expect(findApiSocket(undefined, {}, "/cwd", none)).toBe("/run/recoveryd/api.sock");
    expect(findApiSocket("rel.sock", {}, "/cwd", none)).toBe("/cwd/rel.sock");
  });

  test("sim.sock sits beside api.sock", () => {
    expect(simSocketFor("/run/recoveryd/api.sock")).toBe("/run/recoveryd/sim.sock");
  });
});

describe("SseParser", () => {
  test("events split across chunks, CRLF, comments, multi-line data", () => {
    const p = new SseParser();
    expect(p.push(': hello\n\nevent: led\ndata: {"a"')).toEqual([]);
    expect(p.push(":1}\n\r\nevent: x\r\ndata: 1\r\ndata: 2\r\n\r\n")).toEqual([
      { event: "led", data: '{"a":1}' },
      { event: "x", data: "1\n2" },
    ]);
    expect(p.push("data: plain\n\n")).toEqual([{ event: "message", data: "plain" }]);
  });
});

describe("human output", () => {
  test("status names state, generation, window, lockout with recovery paths, last reset", () => {
    const text = formatStatus(
      {
        state: "provisioned",
        generation: 3,
        accounts: 2,
        setupWindow: { open: false, closesAt: null },
        lockout: {
          lockedAccounts: [
            { username: "owner", lockedUntil: "2026-01-01T00:05:00.000Z", retryAfterSeconds: 240 },
          ],
          recoveryPaths: ["button", "security-code"],
        },
        lastReset: { at: "2026-01-01T00:00:00.000Z", reason: "button", generation: 3 },
      },
      Date.UTC(2026, 0, 1),
    );
    expect(text).toContain("provisioned (generation 3, 2 accounts)");
    expect(text).toContain("owner locked until 2026-01-01T00:05:00.000Z (retry in 240 s)");
    expect(text).toContain("recovery:      button, security-code");
    expect(text).toContain("last reset:    2026-01-01T00:00:00.000Z by button (generation 3)");
  });

  test("event lines say what releasing now does", () => {
    expect(formatEvent({ type: "tier", data: { type: "tier", tier: "credential", heldMs: 5000 } })).toBe(
      "tier    credential at 5.0s → release now: credential reset",
    );
    expect(formatEvent({ type: "state", data: { type: "state", state: "first-boot", generation: 4 } })).toBe(
      "state   first-boot (generation 4)",
    );
  });
});

describe("SecretReader", () => {
  /** A fake terminal: raw mode is recorded, keystrokes are pushed by the test. */
  function fakeTty() {
    const input = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: (raw: boolean) => void };
    const modes: boolean[] = [];
    input.isTTY = true;
    input.setRawMode = (raw: boolean) => void modes.push(raw);
    let shown = "";
    const prompts = new Writable({
      write(chunk, _enc, cb) {
        shown += chunk.toString();
        cb();
      },
    });
    return { input, modes, prompts, shown: () => shown };
  }

  test("a terminal: raw mode, no echo, backspace and Ctrl-U edit, Enter ends", async () => {
    const tty = fakeTty();
    const reader = new SecretReader(tty.input, tty.prompts);
    const pending = reader.read("Password");
    tty.input.write("wrong\u0015sec");
    tty.input.write("x\u007fret\r");
    expect(await pending).toBe("secret");
    expect(tty.modes).toEqual([true, false]);
    expect(tty.shown()).toBe("Password: \n");
  });

  test("a terminal: confirmation must match; Ctrl-C interrupts", async () => {
    const tty = fakeTty();
    const reader = new SecretReader(tty.input, tty.prompts);
    const mismatch = reader.read("New password", { confirm: true });
    tty.input.write("one\r");
    await new Promise((r) => setTimeout(r, 5));
    tty.input.write("two\r");
    await expect(mismatch).rejects.toThrow(UsageError);
    const interrupted = reader.read("Password");
    tty.input.write("abc\u0003");
    await expect(interrupted).rejects.toThrow(InterruptedError);
    expect(tty.modes.at(-1)).toBe(false);
  });

  test("not a terminal: one secret per line from stdin, in order", async () => {
    const input = Readable.from([Buffer.from("first\r\nsecond\n")]);
    const reader = new SecretReader(input, new PassThrough());
    expect(await reader.read("A")).toBe("first");
    expect(await reader.read("B", { confirm: true })).toBe("second");
    await expect(reader.read("C")).rejects.toThrow(/expected the c on stdin/);
  });
});
