// Preloaded into the daemon by the soak tool only (`node --import`): appends the process's own
// memory figures to the file named by RECOVERYD_SOAK_PROBE every RECOVERYD_SOAK_PROBE_MS. The
// daemon has no endpoint for these (and gets no unauthenticated one): the probe is the tool's.
import { appendFileSync } from "node:fs";

const file = process.env.RECOVERYD_SOAK_PROBE;
const everyMs = Number(process.env.RECOVERYD_SOAK_PROBE_MS ?? 30000);
if (file) {
  const sample = () => {
    const m = process.memoryUsage();
    const line = {
      t: Date.now(),
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      handles: process.getActiveResourcesInfo().length,
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  };
  // unref: the probe never keeps the daemon alive, and its wake-ups are one per interval.
  setInterval(sample, everyMs).unref();
  sample();
}
