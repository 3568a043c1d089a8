// Start-time check that the native modules load. npm 12 skips install scripts that allowScripts
// does not list (and still exits 0), and a build for another Node fails only when first used:
// either way the daemon would run with an unusable credential store. Better to refuse to start.
import { createRequire } from "node:module";
import { NativeModuleError } from "./errors.js";

type Load = (name: string) => unknown;

const nodeRequire = createRequire(import.meta.url);

/** Each module with the smallest use that needs its compiled part. */
const probes: Record<string, (mod: unknown) => void> = {
  // better-sqlite3 loads its .node file on the first `new Database`, not at import.
  "better-sqlite3": (mod) => {
    const Database = mod as new (file: string) => { close(): void };
    new Database(":memory:").close();
  },
  // argon2 loads its binding at import; a hash function present means it did.
  argon2: (mod) => {
    if (typeof (mod as { hash?: unknown }).hash !== "function") throw new Error("no hash function");
  },
};

export function checkNativeModules(load: Load = nodeRequire): void {
  for (const [name, probe] of Object.entries(probes)) {
    try {
      probe(load(name));
    } catch (err) {
      throw new NativeModuleError(name, (err as Error).message.split("\n")[0] ?? "", process.version);
    }
  }
}
