// Board "gpiod" on a machine whose GPIO chip is missing (this host has no /dev/gpiochip*): the real
// daemon comes up, names the fault in its status, retries with backoff and never counts a press
// or exits. The chip going and coming back on a real kernel is in test/rigs/kernel-vm/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRequest } from "../../cli/client.js";
import { type DaemonProcess, spawnDaemon } from "../rigs/support/daemon-process.js";

let daemon: DaemonProcess;

beforeAll(async () => {
  daemon = await spawnDaemon({
    config: { board: "gpiod", gpio: { chipLabel: "no-such-chip-here" } },
    readyTimeoutMs: 60_000,
  });
});
afterAll(async () => {
  await daemon?.stop();
});

describe("board gpiod without its chip", () => {
  it("runs degraded: a named fault in status, retries in the log, no press, no exit", async () => {
    const status = await apiRequest(daemon.apiSocket, { path: "/v1/status" });
    expect(status.status).toBe(200);
    const faults = (status.body as { faults: { code: string }[] }).faults.map((f) => f.code);
    expect(faults).toContain("button-line");
    // Backoff 0.25, 0.5, 1 s...: a few retries within 3 s, each logged, none a crash.
    const deadline = Date.now() + 20_000;
    while (!daemon.output().includes("GPIO chip still unusable") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(daemon.output()).toContain('no GPIO chip labelled \\"no-such-chip-here\\"');
    expect(daemon.output()).toContain("GPIO chip still unusable");
    expect(daemon.output()).not.toContain("button press classified");
    expect(daemon.proc.exitCode).toBeNull();
  });
});
