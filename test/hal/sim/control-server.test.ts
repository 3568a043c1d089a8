// The sim control socket over a real Unix socket in a temp dir, with the real clock.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../../daemon/clock.js";
import { silentLogger } from "../../../daemon/log.js";
import { SimBoard } from "../../../hal/sim/board.js";
import { connectSim, SimCommandError, type WatchEvent } from "../../../hal/sim/control-client.js";
import { type ControlServer, startControlServer } from "../../../hal/sim/control-server.js";

let dir: string;
let board: SimBoard;
let server: ControlServer;
let daemonListeners: ((e: { type: string }) => void)[];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "recoveryd-sim-"));
  board = new SimBoard({ clock: systemClock });
  daemonListeners = [];
  server = await startControlServer({
    socketPath: path.join(dir, "sim.sock"),
    board,
    clock: systemClock,
    log: silentLogger(),
    events: (fn) => {
      daemonListeners.push(fn);
      return () => daemonListeners.splice(daemonListeners.indexOf(fn), 1);
    },
  });
});

afterEach(async () => {
  await server.close();
  await board.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends raw lines and collects the reply lines. */
function raw(lines: string, replies: number): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const out: Record<string, unknown>[] = [];
    let buf = "";
    const s = net.createConnection(server.socketPath, () => s.write(lines));
    s.setEncoding("utf8");
    s.on("data", (d: string) => {
      buf += d;
      const parts = buf.split("\n");
      buf = parts.pop() ?? "";
      for (const p of parts) if (p) out.push(JSON.parse(p));
      if (out.length >= replies) {
        s.destroy();
        resolve(out);
      }
    });
    s.on("close", () => resolve(out));
    s.on("error", reject);
  });
}

describe("sim control socket", () => {
  it("presses and releases, stamping edges with the server's monotonic clock", async () => {
    const edges: number[] = [];
    board.button.onEdge((e) => edges.push(e.atMs));
    const c = await connectSim(server.socketPath);
    const down = await c.down();
    expect(down.reply).toMatchObject({ ok: true, op: "down", pressed: true, changed: true });
    expect(down.reply.atMs).toBe(edges[0]);
    // Both ends read CLOCK_MONOTONIC: the stamp lies between send and reply.
    expect(down.reply.atMs).toBeGreaterThanOrEqual(down.sentAtMs);
    expect(down.reply.atMs).toBeLessThanOrEqual(down.receivedAtMs);
    const again = await c.down();
    expect(again.reply).toMatchObject({ ok: true, pressed: true, changed: false });
    const up = await c.up();
    expect(up.reply).toMatchObject({ pressed: false, changed: true });
    expect(board.state().edges).toBe(2);
    await c.close();
  });

  it("holds a press for the commanded time, measured on the client's clock", async () => {
    const c = await connectSim(server.socketPath);
    const r = await c.press(120);
    expect(r.commandedMs).toBeGreaterThanOrEqual(120);
    // Generous bounds: other processes on a loaded machine delay both ends.
    expect(r.commandedMs).toBeLessThan(1000);
    expect(r.serverMs).toBeGreaterThan(0);
    await c.close();
  });

  it("bounces and streams edges, LED and buzzer changes, and daemon events to a watcher", async () => {
    const c = await connectSim(server.socketPath);
    const seen: WatchEvent[] = [];
    const first = await c.watch((e) => seen.push(e));
    expect(first.reply).toMatchObject({ ok: true, op: "watch", pressed: false, led: "off", buzzer: null });
    const b = await c.bounce(3, 2, "down");
    expect(b.reply).toMatchObject({ ok: true, op: "bounce", edges: 7 });
    expect(b.reply.atMs).toBeGreaterThanOrEqual(b.reply.startedAtMs);
    board.led.set("slow-blink");
    board.buzzer.play("beep");
    for (const fn of daemonListeners) fn({ type: "tier" });
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.filter((e) => e.event === "edge")).toHaveLength(7);
    expect(seen.filter((e) => e.event === "edge").at(-1)).toMatchObject({ pressed: true });
    expect(seen).toContainEqual(expect.objectContaining({ event: "led", pattern: "slow-blink" }));
    expect(seen).toContainEqual(expect.objectContaining({ event: "buzzer", pattern: "beep" }));
    expect(seen).toContainEqual(expect.objectContaining({ event: "daemon", data: { type: "tier" } }));
    await c.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(daemonListeners).toHaveLength(0);
  });

  it("reports state", async () => {
    const c = await connectSim(server.socketPath);
    await c.down();
    board.led.set("fast-blink");
    const s = await c.state();
    expect(s.reply).toMatchObject({
      ok: true,
      op: "state",
      pressed: true,
      led: "fast-blink",
      edges: 1,
      lineFailed: false,
    });
    await c.close();
  });

  it("injects and repairs a line failure", async () => {
    const errors: Error[] = [];
    board.button.onError((e) => errors.push(e));
    const c = await connectSim(server.socketPath);
    await c.fail("test");
    expect(errors).toHaveLength(1);
    expect((await c.state()).reply.lineFailed).toBe(true);
    await c.repair();
    expect((await c.state()).reply.lineFailed).toBe(false);
    await c.close();
  });

  it("refuses bad requests with ok:false and carries on", async () => {
    const replies = await raw(
      [
        "not json",
        '{"op":"jump"}',
        '{"op":"down","atMs":1}',
        '{"op":"bounce","count":0,"intervalMs":5,"id":"x"}',
        '{"op":"state","id":7}',
      ]
        .map((l) => `${l}\n`)
        .join(""),
      5,
    );
    expect(replies.slice(0, 4).every((r) => r.ok === false && typeof r.atMs === "number")).toBe(true);
    expect(replies[2]?.error).toMatch(/bad request/);
    expect(replies[3]).toMatchObject({ id: "x" });
    expect(replies[4]).toMatchObject({ ok: true, op: "state", id: 7 });
    // A client cannot supply the edge time: the board did not move.
    expect(board.state().edges).toBe(0);
  });

  it("drops a connection that sends an endless line", async () => {
    const replies = await raw("x".repeat(10_000), 1);
    expect(replies[0]).toMatchObject({ ok: false });
    expect(String(replies[0]?.error)).toMatch(/longer than/);
  });

  it("rejects a client command on ok:false", async () => {
    const c = await connectSim(server.socketPath);
    await expect(c.bounce(5000, 1)).rejects.toBeInstanceOf(SimCommandError);
    await c.close();
  });

  it("replaces a stale socket file left by a killed daemon", async () => {
    const p = path.join(dir, "stale.sock");
    const stale = net.createServer().listen(p);
    await new Promise((r) => stale.once("listening", r));
    // Simulate the kill: the file stays, nobody listens.
    stale.close();
    writeFileSync(path.join(dir, "marker"), "");
    const s2 = await startControlServer({ socketPath: p, board, clock: systemClock, log: silentLogger() });
    const c = await connectSim(p);
    expect((await c.state()).reply.ok).toBe(true);
    await c.close();
    await s2.close();
  });
});
