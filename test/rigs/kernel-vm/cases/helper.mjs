// gpiod only: its recoveryd-gpio helper starved across a tier deadline, and wedged for good.
import { button, hold } from "../chip.mjs";
import { helperPid, pressField } from "../daemon-handle.mjs";
import { report } from "../report.mjs";
import { sleep, until } from "../time.mjs";

/**
 * The helper is starved (SIGSTOP) across the 5 s deadline while the release of a 4.9 s hold waits
 * in the kernel's queue: the edge reaches the daemon 700 ms after the deadline. Before the sync at
 * each deadline the daemon passed it first and clamped the late release: a credential reset.
 */
export async function stalledHelperCase(d) {
  const pid = helperPid(d);
  const m = d.mark();
  const down = button(true);
  await until(down + 4700);
  if (pid) process.kill(pid, "SIGSTOP");
  await until(down + 4900);
  const held = button(false) - down;
  await until(down + 5600);
  if (pid) process.kill(pid, "SIGCONT");
  const press = await d.waitFor(m, "press", () => true, 10_000);
  const tiers = d.since(m, "tier").map((e) => e.tier);
  await sleep(300);
  const daemonMs = press?.durationMs ?? Number.NaN;
  report(
    "gpiod",
    "hold 4.9 s, helper stalled",
    pid !== null && press?.tier === "dead" && !tiers.includes("credential") && Math.abs(daemonMs - held) < 50,
    {
      heldMs: held,
      daemonMs,
      errMs: daemonMs - held,
      tier: press?.tier ?? "none",
      action: press?.action ?? "-",
      stalledMs: 900,
    },
  );
}

/**
 * The helper stops answering for good (SIGSTOP, never continued) while the button is held across
 * the 5 s deadline and released: the daemon must not time the hold blind. It kills the wedged
 * helper after its sync timeout, shows the line fault, never classifies the press, and the
 * restarted helper works.
 */
export async function wedgedHelperCase(d) {
  const pid = helperPid(d);
  const m = d.mark();
  const down = button(true);
  await until(down + 4500);
  if (pid) process.kill(pid, "SIGSTOP");
  await until(down + 6000);
  button(false);
  const fault = await d.waitFor(m, "fault", (e) => e.fault === "gpio", 15_000);
  const cleared = await d.waitFor(
    m,
    "fault",
    (e) => e.fault === null && fault !== null && e.at > fault.at,
    15_000,
  );
  const restarted = helperPid(d);
  const spurious = d.since(m, "press").length;
  const m2 = d.mark();
  const { held: h } = await hold(1000);
  const again = await d.waitFor(m2, "press", () => true, 10_000);
  const ok = pid !== null && fault !== null && cleared !== null && spurious === 0 && again?.tier === "short";
  report("gpiod", "helper wedged", ok, {
    faultAfterMs: fault ? fault.at - down : Number.NaN,
    clearedAfterMs: cleared ? cleared.at - down : Number.NaN,
    restarted: restarted !== null && restarted !== pid,
    spurious,
    afterRestart: pressField(again, h),
  });
}
