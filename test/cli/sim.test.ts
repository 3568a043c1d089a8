// recoveryctl sim against the real simulated board, its control socket and the real press
// engine, wired to the API's event bus the way the daemon wires them (with short tiers, so a
// "credential reset" hold takes 0.6 s instead of 5 s).
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { systemClock } from "../../daemon/clock.js";
import { silentLogger } from "../../daemon/log.js";
import { PressController } from "../../daemon/press/controller.js";
import { handlePressAction } from "../../daemon/press-actions.js";
import { SimBoard } from "../../hal/sim/board.js";
import { type ControlServer, startControlServer } from "../../hal/sim/control-server.js";
import { ADMIN, startTestApi, type TestApi } from "../api/support/harness.js";
import { type CtlHome, ctl, ctlHome } from "./support.js";

const BUTTON = {
  debounceMs: 10,
  shortMaxMs: 200,
  credentialMs: 500,
  factoryMs: 1000,
  stuckMs: 1600,
  confirmWindowMs: 1000,
  doneFlashMs: 500,
};

let t: TestApi;
let home: CtlHome;
let board: SimBoard;
let control: ControlServer;
let controller: PressController;
let S: string[];

beforeAll(async () => {
  t = await startTestApi();
  await t.provision();
  home = await ctlHome();
  S = ["--socket", t.socketPath];
  const log = silentLogger();
  board = new SimBoard({ clock: systemClock });
  control = await startControlServer({
    socketPath: path.join(path.dirname(t.socketPath), "sim.sock"),
    board,
    clock: systemClock,
    log,
  });
  const recovery = { factoryReset: async () => undefined, afterCredentialReset: async () => {} };
  controller = new PressController({
    board,
    button: BUTTON,
    clock: systemClock,
    log,
    onEvent: (e) => t.events.publish(e),
    onAction: (a) =>
      handlePressAction(a.action, { accounts: t.accounts, recovery, controller, audit: t.audit, log }),
  });
  controller.setIndicatorState({ firstBoot: false, fault: null });
  controller.arm();
});

afterAll(async () => {
  controller?.close();
  await control?.close();
  await board?.close();
  await t?.close();
});

describe("sim", () => {
  test("sim state / down / up", async () => {
    const state = await ctl(home, ["sim", "state", "--json", ...S]);
    expect(state.code).toBe(0);
    expect(JSON.parse(state.stdout)).toMatchObject({ ok: true, pressed: false });
    const down = await ctl(home, ["sim", "down", ...S]);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain("Button pressed.");
    expect(board.state().pressed).toBe(true);
    // Release at once (a second recoveryctl would hold it long enough to reset credentials).
    board.press(false);
    const up = await ctl(home, ["sim", "up", ...S]);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain("Button was already up.");
    await new Promise((r) => setTimeout(r, 100));
    expect((await t.req("GET", "/v1/status")).body).toMatchObject({ state: "provisioned", generation: 1 });
  });

  test("sim press: live tier feedback, then the classified press and the resulting state", async () => {
    const r = await ctl(home, ["sim", "press", "0.7s", ...S]);
    expect(r.code, r.stderr).toBe(0);
    // Live lines while holding: the dead zone, then the credential tier with its LED and beep.
    expect(r.stdout).toMatch(/^\s+0\.\ds {2}LED .* → release now: nothing$/m);
    expect(r.stdout).toMatch(/^\s+0\.5s {2}LED slow-blink +buzzer beep +→ release now: credential reset$/m);
    expect(r.stdout).toMatch(/^press {3}credential 0\.7\ds → credential-reset$/m);
    expect(r.stdout).toMatch(/^state: +first-boot \(generation 2, 0 accounts\)$/m);
    expect((await t.req("GET", "/v1/status")).body).toMatchObject({ state: "first-boot", generation: 2 });
  });

  test("sim press --json: press, state and every event", async () => {
    await t.req("POST", "/v1/setup", { body: ADMIN });
    await new Promise((r) => setTimeout(r, 600)); // the done flash of the last reset ends
    const r = await ctl(home, ["sim", "press", "300ms", "--json", ...S]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.press).toMatchObject({ type: "press", tier: "dead", action: "none" });
    expect(out.requestedMs).toBe(300);
    expect(Math.abs(out.boardMs - 300)).toBeLessThan(100);
    expect(out.status).toMatchObject({ state: "provisioned" });
    expect(out.events.map((e: { type: string }) => e.type)).toContain("tier");
  });

  test("sim watch --count shows the stream with button edges", async () => {
    const pending = ctl(home, ["sim", "watch", "--count", "3", ...S], {
      onStdout: (text) => {
        if (text.includes("Watching")) {
          setTimeout(() => {
            board.press(true);
            setTimeout(() => board.press(false), 50);
          }, 200);
        }
      },
    });
    const r = await pending;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/state: +provisioned/);
    expect(r.stdout).toMatch(/\d\d:\d\d:\d\d\.\d{3} {2}state {3}provisioned/);
    expect(r.stdout).toMatch(/\d {2}button {2}down$/m);
    expect(r.stdout).toMatch(/\d {2}press {3}short 0\.0\ds → short$/m);
  });

  test("Ctrl-C during sim press releases the button and still reports the press", async () => {
    const r = await ctl(home, ["sim", "press", "10s", ...S], { interruptOn: "0.2s" });
    expect(r.code).toBe(130);
    expect(board.state().pressed).toBe(false);
    expect(r.stdout).toMatch(/^press {3}dead 0\.\d\ds → none$/m);
  });

  test("sim press refuses while the button is held; exit 3 without a simulated board", async () => {
    board.press(true);
    const held = await ctl(home, ["sim", "press", "1s", ...S]);
    board.press(false);
    expect(held.code).toBe(1);
    expect(held.stderr).toContain("already down");
    await new Promise((r) => setTimeout(r, 100));
    const other = await startTestApi();
    try {
      const r = await ctl(home, ["sim", "press", "1s", "--socket", other.socketPath]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain("no simulated board");
    } finally {
      await other.close();
    }
  });
});
