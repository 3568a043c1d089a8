// Issue 15, feedback that matches the gesture, on the real daemon and the simulated board's
// LED/buzzer stream: a confirming press that is too long cancels WITH the error chirp and the
// refused pattern; a short press on a provisioned recorder gives one status blink and a chirp.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEventStream, type StreamEvent } from "../../cli/client.js";
import { formatEvent } from "../../cli/format.js";
import { SimClient, type WatchEvent } from "../../hal/sim/control-client.js";
import { ctl, ctlHome } from "../cli/support.js";
import type { DaemonProcess } from "../rigs/support/daemon-process.js";
import { apiOf, provision, spawnWithFactory } from "./support/adversary.js";

let daemon: DaemonProcess;
let sim: SimClient;
let stream: { close(): void };
const board: WatchEvent[] = [];
const events: StreamEvent[] = [];

const patterns = (kind: "led" | "buzzer") =>
  board.filter((e) => e.event === kind).map((e) => (e as { pattern: string }).pattern);

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  daemon = await spawnWithFactory({
    config: { button: { shortMaxMs: 1000, credentialMs: 3000, factoryMs: 6000, stuckMs: 13000 } },
  });
  await provision(apiOf(daemon));
  sim = await SimClient.connect(daemon.simSocket);
  await sim.watch((e) => board.push(e));
  stream = await openEventStream(daemon.apiSocket, (e) => events.push(e));
});
afterAll(async () => {
  stream?.close();
  await sim?.close().catch(() => {});
  await daemon?.stop();
});

describe("press feedback on the real daemon", () => {
  it("a short press on a provisioned recorder: one status blink and a chirp", async () => {
    board.length = 0;
    await sim.press(300);
    await until("status LED", () => patterns("led").includes("status"));
    await until("chirp", () => patterns("buzzer").includes("confirm"));
    await until("LED back off", () => patterns("led").at(-1) === "off");
    expect(patterns("led")).toEqual(["status", "off"]);
  });

  it("a confirming press that is too long cancels with the error chirp and the refused pattern", async () => {
    board.length = 0;
    await sim.press(6500); // factory tier: waits for a confirming short press
    await until("confirm-wait", () => patterns("led").includes("confirm-wait"));
    await sim.press(1800); // dead zone: too long to confirm
    await until("error chirp", () => patterns("buzzer").includes("error"));
    await until("refused LED", () => patterns("led").includes("refused"));
    const cancelled = events.find((e) => e.type === "confirm" && e.data.deadline === null);
    expect(cancelled?.data).toMatchObject({ action: "factory-reset", outcome: "other-press" });
    expect(formatEvent(cancelled as StreamEvent)).toContain("cancelled");
  });

  it("the CLI says what a successful confirm did, not 'window closed'", () => {
    const line = formatEvent({
      type: "confirm",
      data: { type: "confirm", action: "factory-reset", deadline: null, outcome: "confirmed" },
    } as StreamEvent);
    expect(line).toBe("confirm factory-reset: confirmed, factory reset started");
    expect(line).not.toContain("window closed");
  });

  // Runs last: the confirm it gives starts a factory reset.
  it("during a confirm wait, `sim press` says a short release confirms (not 'show status')", {
    timeout: 60_000,
  }, async () => {
    board.length = 0;
    await sim.press(6500);
    await until("confirm-wait", () => patterns("led").includes("confirm-wait"));
    const home = await ctlHome();
    const r = await ctl(home, ["sim", "press", "300ms", "--socket", daemon.apiSocket]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/release now: confirm the pending reset/);
    expect(r.stdout).not.toMatch(/release now: show status/);
    expect(r.stdout).toContain("confirm factory-reset: confirmed, factory reset started");
  });
});
