// `recoveryctl sim run <scenario-file>`: plays a press scenario (a timeline of button levels plus
// the expected outcome) against the running daemon and reports what differed.
import type { Writable } from "node:stream";
import { DaemonUnreachableError } from "./client.js";
import { loadScenario, ScenarioFileError } from "./scenario-file.js";
import { describePlan, playScenario } from "./scenario-runner.js";

export interface ScenarioRunOptions {
  /** The scenario data file. */
  file: string;
  /** The daemon's API socket (events, status). */
  apiSocket: string;
  /** The simulated board's control socket. */
  simSocket: string;
  /** Print machine-readable results. */
  json: boolean;
  out: Writable;
  err: Writable;
}

/** Runs the scenario; resolves with recoveryctl's exit code (0 passed, 1 failed, 2 bad file, 3 unreachable). */
export async function runScenario(opts: ScenarioRunOptions): Promise<number> {
  let scenario: ReturnType<typeof loadScenario>;
  try {
    scenario = loadScenario(opts.file);
  } catch (err) {
    if (err instanceof ScenarioFileError) {
      opts.err.write(`recoveryctl: bad scenario file ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (!opts.json) for (const line of describePlan(scenario)) opts.out.write(`${line}\n`);
  if (Object.keys(scenario.config).length > 0 && !opts.json) {
    opts.err.write(
      `note: this scenario expects daemon configuration ${JSON.stringify(scenario.config)}; ` +
        "start the daemon with it (the test suite does)\n",
    );
  }
  try {
    const progress = opts.json ? undefined : (line: string) => opts.out.write(`  ${line}\n`);
    const result = await playScenario(scenario, opts.apiSocket, opts.simSocket, progress);
    if (opts.json) {
      opts.out.write(`${JSON.stringify(result)}\n`);
    } else {
      opts.out.write(`${result.passed ? "PASS" : "FAIL"}  ${result.name}\n`);
      for (const f of result.failures) opts.out.write(`  - ${f}\n`);
    }
    return result.passed ? 0 : 1;
  } catch (err) {
    if (err instanceof DaemonUnreachableError || (err as NodeJS.ErrnoException).code === "ENOENT") {
      opts.err.write(`recoveryctl: daemon unreachable: ${(err as Error).message}\n`);
      return 3;
    }
    throw err;
  }
}
