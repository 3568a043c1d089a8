// The driver's one clock: CLOCK_MONOTONIC in ms, the clock the kernel stamps edges with and the
// daemon times holds on, so every number the driver prints compares directly with the daemon's.
export const mono = () => Number(process.hrtime.bigint()) / 1e6;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until monotonic `t`: a coarse timer (it wakes late under TCG), then a short spin. */
export async function until(t) {
  if (t - mono() > 25) await sleep(t - mono() - 20);
  while (mono() < t) {}
}
