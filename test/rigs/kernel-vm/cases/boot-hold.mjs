// The button is down before the daemon starts; released after 6 s, then a confirming press.
import { button, hold } from "../chip.mjs";
import { Daemon } from "../daemon-handle.mjs";
import { report } from "../report.mjs";
import { mono, sleep } from "../time.mjs";

export async function bootHoldCase(backend) {
  button(true);
  const down = mono();
  // A wide confirm window: the confirming press is timed from the press event's arrival, which a
  // loaded machine can hold back by seconds (two onoff runs missed a 3 s window: confirm=none).
  const d = await Daemon.start(backend, { button: { confirmWindowMs: 10_000 } });
  try {
    const m = d.mark();
    const armedAt = mono();
    while (mono() < armedAt + 6000) await sleep(5);
    button(false);
    const boot = await d.waitFor(m, "press");
    await sleep(500);
    // 800 ms, well inside the short tier (< 2 s): onoff loses a press whose two edges land in one
    // callback, and a 300 ms one was lost once while the freshly started daemon was busy.
    await hold(800);
    const conf = await d.waitFor(m, "confirm", (e) => e.outcome === "confirmed", 15_000);
    if (!conf)
      console.log(
        `KNOTE ${backend} boot hold: ${JSON.stringify(
          d.events.slice(m).filter((e) => ["press", "confirm", "tier"].includes(e.type)),
        )}`,
      );
    report(
      backend,
      "boot hold + confirm",
      boot?.boot === true && boot?.tier === "credential" && conf !== null,
      {
        downBeforeStartMs: armedAt - down,
        daemonMs: boot?.durationMs ?? Number.NaN,
        tier: boot?.tier ?? "none",
        boot: boot?.boot ?? "-",
        confirm: conf?.outcome ?? "none",
      },
    );
  } finally {
    await d.stop().catch(() => {});
  }
}
