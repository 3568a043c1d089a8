// Child process for crash.test.ts: appends audit entries as fast as it can until it is killed.
import { openAuditLog } from "../../daemon/audit/index.js";
import { systemClock } from "../../daemon/clock.js";

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: crash-child <dir>");
const log = openAuditLog(dir, { maxFileBytes: 1024, keepFiles: 3, clock: systemClock, sync: "batched" });
let i = 0;
// One entry before "ready": a kill is timed from "ready", so every round makes progress even when
// a loaded machine delays the child (crash.test.ts asserts that the head moves on each round).
log.record("press", { tier: "credential", durationMs: i++, boot: false });
process.stdout.write("ready\n");
const burst = (): void => {
  for (let n = 0; n < 50; n++) log.record("press", { tier: "credential", durationMs: i++, boot: false });
  setImmediate(burst); // yield so the batched fdatasync also runs
};
burst();
