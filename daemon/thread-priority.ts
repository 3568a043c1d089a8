// The main thread times the reset button; argon2 hashes, fsyncs and V8's helpers run on other
// threads. On a 2-core board a login flood would otherwise compete with the button edges for CPU,
// so every thread but the main one is niced down (Linux: setpriority on a TID affects that thread).
import { readdirSync } from "node:fs";
import os from "node:os";
import type { Logger } from "./log.js";

/** Lowers the priority of all existing threads except the main one. Returns how many it changed. */
export function deprioritizeHelperThreads(log: Logger, niceness = 10): number {
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return 0; // not Linux: nothing to do
  }
  let changed = 0;
  for (const tid of tids) {
    const id = Number(tid);
    if (!Number.isInteger(id) || id === process.pid) continue;
    try {
      if (os.getPriority(id) < niceness) os.setPriority(id, niceness);
      changed++;
    } catch {
      // A thread that ended meanwhile, or a sandbox that forbids it: timing just gets no help.
    }
  }
  log.debug({ threads: changed, niceness }, "helper threads deprioritized");
  return changed;
}
