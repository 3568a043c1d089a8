// `recoveryctl sim run <scenario-file>`: plays a press scenario (SPEC 8: a timeline of button
// levels plus the expected outcome) against the running daemon. Placeholder: the scenario runner
// is written separately and replaces this file.
import type { Writable } from "node:stream";

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
export async function runScenario(_opts: ScenarioRunOptions): Promise<number> {
  throw new Error("sim run: not implemented yet");
}
