// The chip disappears under a running daemon (gpio-sim live=0) and comes back.
import { button, hold, ledActivity, live } from "../chip.mjs";
import { pressField, statusFaults } from "../daemon-handle.mjs";
import { report } from "../report.mjs";
import { mono, sleep } from "../time.mjs";

/** How long the LED is watched after the restore: the first-boot pattern flashes every 2 s. */
const LED_WATCH_MS = 4500;

/**
 * A named fault in status, never a press; when the chip is back the fault clears by itself (the
 * button untouched), presses work again, and so does the LED: a daemon that only reopens its
 * button line looks recovered in status while the technician's only indicator stays dark.
 */
export async function chipRemovedCase(d, backend) {
  const m = d.mark();
  const removedAt = mono();
  live(false);
  const fault = await d.waitFor(m, "fault", (e) => e.fault === "gpio", 15_000);
  const faultAfterMs = fault ? fault.at - removedAt : Number.NaN;
  const during = await statusFaults(d);
  await sleep(1000);
  const restoredAt = mono();
  live(true);
  button(false);
  const cleared = await d.waitFor(m, "fault", (e) => e.fault === null && e.at > restoredAt, 20_000);
  const clearedAfterMs = cleared ? cleared.at - restoredAt : Number.NaN;
  const after = await statusFaults(d);
  const afterAt = mono();
  const spurious = d.since(m, "press").length;
  const m2 = d.mark();
  const { held: h } = await hold(1000);
  const again = await d.waitFor(m2, "press", () => true, 10_000);
  // The outputs reopen on their own backoff, which may end after the button's: wait for it. The
  // daemon is at first boot (a fresh state dir), so its normal pattern is setup-pending.
  let end = after;
  let endAt = afterAt;
  while (end.includes("led-line") && mono() < restoredAt + 30_000) {
    await sleep(100);
    end = await statusFaults(d);
    endAt = mono();
  }
  const ledFaultGoneMs = end.includes("led-line") ? Number.NaN : endAt - restoredAt;
  const led = await ledActivity(LED_WATCH_MS);
  end = await statusFaults(d);
  const shown = d.events.filter((e) => e.type === "led").at(-1)?.pattern ?? "none";
  const ok =
    fault !== null &&
    during.includes("button-line") &&
    cleared !== null &&
    !after.includes("button-line") &&
    spurious === 0 &&
    again?.tier === "short" &&
    shown === "setup-pending" &&
    led.changes >= 2 &&
    !end.includes("led-line") &&
    !end.includes("button-line");
  report(backend, "chip removed, restored", ok, {
    faultAfterMs,
    statusDuring: during.join(",") || "none",
    clearedAfterMs,
    statusAfter: after.join(",") || "none",
    spurious,
    afterRestore: pressField(again, h),
    ledFaultGoneMs,
    ledShown: shown,
    ledChanges: led.changes,
    ledHighMs: led.highMs,
    statusEnd: end.join(",") || "none",
  });
}
