// Each real-hardware board on a machine without its GPIO chip (this host has no /dev/gpiochip* and
// no /sys/class/gpio at all; on a board, a chip whose driver probes late is missing the same way):
// the real daemon must come up anyway, because its API is the recorder's only way to log in. It
// names the fault in its status, retries with a logged backoff and never counts a press or exits.
// The chip arriving later on a real kernel is the kernel rig's `chip missing at start`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRequest } from "../../cli/client.js";
import { type DaemonProcess, spawnDaemon } from "../rigs/support/daemon-process.js";

const BOARDS = [
  {
    board: "gpiod",
    // The outputs share the helper's line request: the button's fault covers them.
    faults: ["button-line"],
    logs: ['no GPIO chip labelled \\"no-such-chip-here\\"', "GPIO chip still unusable"],
  },
  {
    board: "onoff",
    // Separate sysfs lines: each output has its own fault.
    faults: ["button-line", "led-line", "buzzer-line"],
    logs: ["sysfs GPIO is not available", "GPIO button line still unusable"],
  },
];

describe.each(BOARDS)("board $board without its chip", ({ board, faults, logs }) => {
  let daemon: DaemonProcess;
  beforeAll(async () => {
    daemon = await spawnDaemon({
      config: { board, gpio: { chipLabel: "no-such-chip-here", buzzer: { line: 22 } } },
      readyTimeoutMs: 60_000,
    });
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  it("runs degraded: named faults in status, retries in the log, no press, no exit", async () => {
    const status = await apiRequest(daemon.apiSocket, { path: "/v1/status" });
    expect(status.status).toBe(200);
    const codes = (status.body as { faults: { code: string }[] }).faults.map((f) => f.code);
    expect(codes).toEqual(expect.arrayContaining(faults));
    // Backoff (gpiod 0.25 s doubling, onoff 1 s doubling): a retry within seconds, logged, no crash.
    const last = logs.at(-1) ?? "";
    const deadline = Date.now() + 20_000;
    while (!daemon.output().includes(last) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const line of logs) expect(daemon.output()).toContain(line);
    expect(daemon.output()).not.toContain("button press classified");
    expect(daemon.proc.exitCode).toBeNull();
  });
});
