// The chip disappears under a running daemon (gpio-sim live=0) and comes back.
import { button, hold, LINES, ledActivity, lineActivity, live } from "../chip.mjs";
import { pressField, statusFaults } from "../daemon-handle.mjs";
import { report } from "../report.mjs";
import { mono, sleep } from "../time.mjs";

/** How long the LED is watched after the restore: the first-boot pattern flashes every 2 s. */
const LED_WATCH_MS = 4500;
/**
 * The cheapest hold that sounds the buzzer: past the credential tier (5 s), which beeps while the
 * button is still down. Short presses are silent at first boot; the credential reset this hold
 * asks for puts the daemon where it already is (first boot, as the 5.1 s gesture cases did), and
 * this is the last case on this daemon. The line is watched this long after the release.
 */
const BEEP_HOLD_MS = 5300;
const BUZZER_WATCH_AFTER_MS = 2500;

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
  // The buzzer is idle during the removal: a daemon that notices a dead output only when it
  // writes keeps its stale line, loses the first sound after the chip came back and raises a
  // buzzer-line fault seconds after status said all clear (found by the helper's probe; 5d3218b).
  const mb = d.mark();
  const logFrom = d.proc.output().length;
  const watch = lineActivity(LINES.buzzer, BEEP_HOLD_MS + BUZZER_WATCH_AFTER_MS);
  const { held: bh } = await hold(BEEP_HOLD_MS);
  const beepPress = await d.waitFor(mb, "press", () => true, 10_000);
  const buzzer = await watch;
  const sounds = d.since(mb, "buzzer").map((e) => e.pattern);
  const afterBeep = await statusFaults(d);
  const buzzerFailLogged = d.proc.output().slice(logFrom).includes('"msg":"GPIO buzzer line failed');
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
    !end.includes("button-line") &&
    beepPress?.tier === "credential" &&
    sounds.includes("beep") &&
    buzzer.changes >= 2 &&
    !buzzerFailLogged &&
    !afterBeep.includes("buzzer-line");
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
    beepHold: pressField(beepPress, bh),
    buzzerEvents: sounds.join(",") || "none",
    buzzerChanges: buzzer.changes,
    buzzerHighMs: buzzer.highMs,
    buzzerFailLogged,
    statusAfterBeep: afterBeep.join(",") || "none",
  });
}
