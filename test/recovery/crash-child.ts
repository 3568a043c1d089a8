// Child process of the factory-reset crash test: runs one factory reset and is SIGKILLed by its
// parent at a random moment, or kills itself at a chosen step.
//
//   CRASH_CHILD = JSON {stateDir, credFile, restore, preserve, killAtStep?: number}
//
// It drives FactoryReset directly, laid out as the recovery service lays it out (marker under
// <stateDir>/recovery), with no logger, zod or argon2 loaded: a lighter child means more kills
// in the time budget. The parent resumes through the real service. Prints "ready" just before the
// reset starts, "step <n> <name> <ms>" at each durable step, and "done <ms>" at the end.
import path from "node:path";
import { monotonicMs, systemClock } from "../../daemon/clock.js";
import type { Logger } from "../../daemon/log.js";
import { FactoryReset } from "../../daemon/recovery/factory-reset.js";
import { FileAccounts } from "./file-accounts.js";

interface ChildSpec {
  stateDir: string;
  credFile: string;
  restore: { path: string; from: string }[];
  preserve: string[];
  killAtStep?: number;
}

const quiet = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.CRASH_CHILD ?? "{}") as ChildSpec;
  const accounts = new FileAccounts(spec.credFile);
  let steps = 0;
  let t0 = monotonicMs();
  const reset = new FactoryReset({
    stateDir: path.join(spec.stateDir, "recovery"),
    restore: spec.restore,
    preserve: spec.preserve,
    credentialReset: (o) => accounts.credentialReset("factory", o),
    // As createRecovery wires it: the store's generation, so a resume knows the credential half committed.
    generation: () => accounts.status().generation,
    clock: systemClock,
    log: quiet,
    audit: { record: () => undefined },
    onStep: (name) => {
      steps += 1;
      process.stdout.write(`step ${steps} ${name} ${(monotonicMs() - t0).toFixed(1)}\n`);
      if (spec.killAtStep === steps) process.kill(process.pid, "SIGKILL");
    },
  });
  process.stdout.write("ready\n");
  t0 = monotonicMs();
  await reset.run("button", { openWindow: true, issueSetupToken: false });
  process.stdout.write(`done ${(monotonicMs() - t0).toFixed(1)}\n`);
}

void main();
