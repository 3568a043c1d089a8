// argon2 loaded on first use instead of by a static import: its binding loads when the module is
// evaluated, so a static import of a missing build crashed the whole bundle before main() ran.
// Loaded here, the start-time check (native-modules.ts) reports it with exit 69 instead.
import { createRequire } from "node:module";

export type Argon2 = typeof import("argon2");

const nodeRequire = createRequire(import.meta.url);
let loaded: Argon2 | undefined;

export function argon2(): Argon2 {
  loaded ??= nodeRequire("argon2") as Argon2;
  return loaded;
}
