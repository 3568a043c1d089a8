// Test-only hooks, installed only when `testing.*` asks for them (never by default).
import type { Logger } from "./log.js";

/** SIGUSR2 blocks the event loop forever, so a test can prove the systemd watchdog catches it. */
export function installTestHooks(log: Logger): void {
  process.on("SIGUSR2", () => {
    log.warn("testing.stallOnSigusr2: stalling the event loop on purpose");
    const until = Number.POSITIVE_INFINITY;
    while (Date.now() < until) {
      // spin: a stalled loop sends no watchdog pings
    }
  });
}
