// The gesture table at its edges on a running daemon: a glitch, holds 100 ms either side of each
// tier boundary, a button stuck past the last one, and contact bounce around a hold.
import { button, hold } from "../chip.mjs";
import { drift, report } from "../report.mjs";
import { mono, sleep } from "../time.mjs";

/** The daemon's debounce (its default): bounces must come closer together than this. */
const DEBOUNCE_MS = 30;
/** The gesture edges are 100 ms from the boundaries; a hold further off than this is retried. */
const EDGE_MARGIN_MS = 80;

export async function gestureCases(d, backend) {
  await glitchCase(d, backend);
  await holdCase(d, "hold 4.9 s", 4900, "dead");
  await holdCase(d, "hold 5.1 s", 5100, "credential");
  await holdCase(d, "hold 14.9 s", 14900, "credential");
  await holdCase(d, "hold 15.1 s", 15100, "factory");
  await holdCase(d, "hold 29.9 s", 29900, "factory");
  await stuckCase(d, backend);
  await sleep(500);
  await holdCase(d, "bounce + hold 5.1 s", 5100, "credential", 6);
}

/**
 * A glitch shorter than the debounce is not a press. (Under TCG a write can stall longer than the
 * debounce: then it was a real press, and counts.)
 */
async function glitchCase(d, backend) {
  const m = d.mark();
  const t = button(true);
  const glitchMs = button(false) - t;
  await sleep(1500);
  const glitchPresses = d.since(m, "press").length;
  // Near the debounce the kernel's and the writer's view of the gap may differ by a few ms.
  // onoff compares read-back levels, so a press and release inside one callback are lost.
  const lostPair = backend === "onoff" && glitchMs > 45 && glitchPresses === 0;
  if (lostPair) drift.push(Number.NaN);
  const glitchOk =
    glitchMs < 20
      ? glitchPresses === 0
      : glitchMs > 45
        ? glitchPresses === 1 || lostPair
        : glitchPresses <= 1;
  report(backend, "glitch", glitchOk, {
    glitchMs,
    presses: glitchPresses,
  });
}

/** One hold; checks the daemon's classification; a factory tier's confirm wait is left to expire. */
async function holdCase(d, name, ms, tier, bounce = 0) {
  for (let attempt = 1; ; attempt++) {
    const m = d.mark();
    const { held, maxGap } = await hold(ms, bounce);
    const press = await d.waitFor(m, "press", (e) => e.durationMs > ms / 2);
    const presses = d.since(m, "press").length;
    if (press?.action === "confirm-wait") await d.waitFor(m, "confirm", (e) => e.deadline === null, 10_000);
    await sleep(300);
    // The machine stalled inside a bounce burst: it was not a bounce. Say so and try again.
    if (bounce > 0 && maxGap >= DEBOUNCE_MS * 0.8 && attempt < 4) {
      console.log(`KNOTE ${d.backend} ${name}: bounce gap ${maxGap.toFixed(1)} ms under TCG, retrying`);
      continue;
    }
    // A stalled write moved the edge by more than the margin to the tier boundary: the driver
    // missed its target, the daemon is not at fault. Say so and try again.
    if (Math.abs(held - ms) > EDGE_MARGIN_MS && attempt < 4) {
      console.log(`KNOTE ${d.backend} ${name}: held ${held.toFixed(1)} ms, off target under load, retrying`);
      continue;
    }
    const daemonMs = press?.durationMs ?? Number.NaN;
    // The sysfs back end stamps edges when its JS callback runs: under a loaded TCG machine that
    // was measured up to 800 ms late (the finding behind board "gpiod"). Counted, shown, retried.
    // That includes a smaller error across a tier boundary (seen: a 29.95 s hold timed 30.03 s, stuck).
    if (
      d.backend === "onoff" &&
      (!(Math.abs(daemonMs - held) < 250) || press?.tier !== tier) &&
      attempt < 4
    ) {
      drift.push(daemonMs - held);
      console.log(
        `KNOTE onoff ${name}: JS-stamp error ${(daemonMs - held).toFixed(1)} ms (${press?.tier ?? "no press"}), retrying`,
      );
      continue;
    }
    const ok = press?.tier === tier && presses === 1 && Math.abs(daemonMs - held) < 250;
    report(d.backend, name, ok, {
      heldMs: held,
      daemonMs,
      errMs: daemonMs - held,
      tier: press?.tier ?? "none",
      action: press?.action ?? "-",
      ...(bounce > 0 ? { presses, maxBounceGapMs: maxGap, attempt } : {}),
    });
    return press;
  }
}

/** Held past the stuck limit: the fault is shown while it is still down, and nothing happens. */
async function stuckCase(d, backend) {
  const m = d.mark();
  const t0 = button(true);
  const stuck = await d.waitFor(m, "fault", (e) => e.fault === "stuck", 40_000);
  const stuckAfter = stuck ? stuck.at - t0 : Number.NaN;
  while (mono() < t0 + 30_100) await sleep(5);
  const held = button(false) - t0;
  const press = await d.waitFor(m, "press");
  report(backend, "hold 30.1 s (stuck)", press?.tier === "stuck" && stuck !== null, {
    heldMs: held,
    daemonMs: press?.durationMs ?? Number.NaN,
    errMs: (press?.durationMs ?? Number.NaN) - held,
    tier: press?.tier ?? "none",
    faultAfterMs: stuckAfter,
  });
}
