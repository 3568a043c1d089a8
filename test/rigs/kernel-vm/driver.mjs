// The one long-lived driver inside the kernel test VM (run.sh boots it): creates a gpio-sim chip,
// starts the real bundled daemon on it with each back end in turn and runs the cases of cases/ on
// it. Holds are timed here by CLOCK_MONOTONIC around the pull writes (gpio-sim raises the edge
// inside the write), and printed beside the daemon's duration. One process times everything, so a
// hold is never a shell loop's length.
// Usage: node driver.mjs <results.json> [backend...]   (backends: gpiod onoff; default both)
// Environment: KCONTRACT_ONLY=1 only the board contract; KCONTRACT=0 without it; KBENCH=N then the
// press-timing benchmark with N holds per back end and load.
import { bench } from "./bench.mjs";
import { bootHoldCase } from "./cases/boot-hold.mjs";
import { chipRemovedCase } from "./cases/chip-removal.mjs";
import { contractCase } from "./cases/contract.mjs";
import { gestureCases } from "./cases/gestures.mjs";
import { stalledHelperCase, wedgedHelperCase } from "./cases/helper.mjs";
import { busyCase, chipMissingCase, permissionCase } from "./cases/line-faults.mjs";
import { button, setupChip } from "./chip.mjs";
import { Daemon } from "./daemon-handle.mjs";
import { report, summary, writeResults } from "./report.mjs";

const [resultsFile = "/run/results/results.json", ...wanted] = process.argv.slice(2);
const BACKENDS = wanted.length > 0 ? wanted : ["gpiod", "onoff"];

async function runBackend(backend) {
  const d = await Daemon.start(backend);
  try {
    await gestureCases(d, backend);
    if (backend === "gpiod") {
      await stalledHelperCase(d);
      await wedgedHelperCase(d);
    }
    await chipRemovedCase(d, backend);
  } finally {
    await d.stop().catch(() => {});
  }
  // Each of these starts its own daemon: what they test happens before or at its start.
  await busyCase(backend);
  // The character device only: sysfs permissions are the export's (see the note of task k13b).
  if (backend === "gpiod") await permissionCase(backend);
  await chipMissingCase(backend);
  await bootHoldCase(backend);
}

setupChip();
button(false);
for (const backend of process.env.KCONTRACT_ONLY === "1" ? [] : BACKENDS) {
  try {
    await runBackend(backend);
  } catch (err) {
    report(backend, "driver error", false, { error: String(err?.message ?? err).split("\n")[0] });
  }
}
if (process.env.KCONTRACT !== "0") for (const backend of BACKENDS) contractCase(backend);
const failed = summary();

const benchCount = Number(process.env.KBENCH ?? 0);
const benchResults = {};
for (const backend of benchCount > 0 ? BACKENDS : []) {
  try {
    benchResults[backend] = await bench(backend, benchCount);
  } catch (err) {
    console.log(`KBENCH ${backend} error ${String(err?.message ?? err).split("\n")[0]}`);
  }
}
writeResults(resultsFile, benchResults);
process.exit(failed === 0 ? 0 : 1);
