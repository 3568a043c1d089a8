// The second gate of the password policy (issue 12): a maintained strength estimator, zxcvbn-ts
// with its language-independent dictionaries (common passwords, names, keyboard graphs), asked
// how many guesses an attacker who knows the usual patterns would need. The rules in
// password-policy.ts catch what this recorder knows (vendor defaults, its own names); this
// catches the patterns a list of rules misses ("Dragon2024Dragon2024").
//
// Cost, measured on the x86 dev VM (bench: "password strength estimator"): about 400 ms and
// ~45 MiB to load, 5-130 ms per check. So it is loaded on the first password that is being SET
// (setup, password change, new user), never at start and never for a login.
import { createRequire } from "node:module";

interface Estimator {
  check(password: string): { guesses: number; score: number };
}

let loading: Estimator | undefined;

function load(): Estimator {
  if (!loading) {
    // CommonJS builds, loaded with require so the bundle keeps them outside (scripts/bundle.mjs).
    const require = createRequire(import.meta.url);
    const core = require("@zxcvbn-ts/core") as {
      ZxcvbnFactory: new (opts: Record<string, unknown>) => Estimator;
    };
    const common = require("@zxcvbn-ts/language-common") as {
      dictionary: Record<string, unknown>;
      adjacencyGraphs: Record<string, unknown>;
    };
    loading = new core.ZxcvbnFactory({ dictionary: common.dictionary, graphs: common.adjacencyGraphs });
  }
  return loading;
}

/** log10 of the guesses zxcvbn estimates for `password`. */
export function guessesLog10(password: string): number {
  // zxcvbn's cost grows with length; past 100 characters the start decides the estimate.
  return Math.log10(Math.max(1, load().check(password.slice(0, 100)).guesses));
}

export function estimatorLoaded(): boolean {
  return loading !== undefined;
}
