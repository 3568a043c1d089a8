// Board "onoff" on a machine without its GPIO chip (this host has no /sys/class/gpio at all; on a
// board, a chip whose driver probes late is missing the same way): the real daemon must come up
// anyway, because its API is the recorder's only way to log in. It names the fault in its
// status, retries with a logged backoff and never counts a press or exits. The chip arriving
// later on a real kernel is the kernel rig's `onoff chip missing at start` (test/rigs/kernel-vm/).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRequest } from "../../cli/client.js";
import { type DaemonProcess, spawnDaemon } from "../rigs/support/daemon-process.js";

let daemon: DaemonProcess;

beforeAll(async () => {
  daemon = await spawnDaemon({
    config: { board: "onoff", gpio: { chipLabel: "no-such-chip-here", buzzer: { line: 22 } } },
    readyTimeoutMs: 60_000,
  });
});
afterAll(async () => {
  await daemon?.stop();
});

describe("board onoff without its chip", () => {
  it("runs degraded: named faults in status, retries in the log, no press, no exit", async () => {
    const status = await apiRequest(daemon.apiSocket, { path: "/v1/status" });
    expect(status.status).toBe(200);
    const faults = (status.body as { faults: { code: string }[] }).faults.map((f) => f.code);
    expect(faults).toEqual(expect.arrayContaining(["button-line", "led-line", "buzzer-line"]));
    const deadline = Date.now() + 20_000;
    while (!daemon.output().includes("GPIO button line still unusable") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(daemon.output()).toMatch(/sysfs GPIO is not available/);
    expect(daemon.output()).toContain("GPIO button line still unusable");
    expect(daemon.output()).not.toContain("button press classified");
    expect(daemon.proc.exitCode).toBeNull();
  });
});
