// Issue 14: a native module that did not build (npm 12 blocked its install script, or it was built
// for another Node) stops the daemon at start with exit 69 and a message naming the module and
// the fix, instead of a daemon whose credential store is "unavailable".
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { daemonEntry, repoRoot, spawnDaemon } from "../rigs/support/daemon-process.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the bundled daemon next to a node_modules whose `hidden` package has no build. */
function withoutBuild(hidden: string, buildDir = "build"): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "recoveryd-native-"));
  made.push(root);
  const modules = path.join(root, "node_modules");
  mkdirSync(modules);
  const shared = path.join(repoRoot, "node_modules");
  for (const name of readdirSync(shared)) {
    if (name !== hidden) symlinkSync(path.join(shared, name), path.join(modules, name));
  }
  // The worktree's own node_modules stays untouched: only the copy loses its build.
  cpSync(path.join(shared, hidden), path.join(modules, hidden), {
    recursive: true,
    filter: (src) =>
      !src.includes(`${path.sep}${buildDir}${path.sep}`) && !src.endsWith(`${path.sep}${buildDir}`),
  });
  mkdirSync(path.join(root, "dist"));
  copyFileSync(daemonEntry, path.join(root, "dist", "recoveryd.mjs"));
  // The launcher loads the bundle next to it.
  copyFileSync(
    path.join(path.dirname(daemonEntry), "recoveryd-core.mjs"),
    path.join(root, "dist", "recoveryd-core.mjs"),
  );
  return path.join(root, "dist", "recoveryd.mjs");
}

describe("a native module without its build", () => {
  it("better-sqlite3: exit 69 naming the module and npm rebuild / allowScripts", async () => {
    const entry = withoutBuild("better-sqlite3");
    const err = await spawnDaemon({ entry }).then(
      async (d) => {
        await d.stop();
        return new Error("the daemon started");
      },
      (e: Error) => e,
    );
    expect(err.message).toContain("daemon exited (69)");
    expect(err.message).toMatch(/native module "better-sqlite3" cannot be loaded/);
    expect(err.message).toMatch(/npm rebuild better-sqlite3/);
    expect(err.message).toMatch(/allowScripts/);
  });

  it("argon2 (its prebuilds gone): exit 69 naming the module", async () => {
    const entry = withoutBuild("argon2", "prebuilds");
    const err = await spawnDaemon({ entry }).then(
      async (d) => {
        await d.stop();
        return new Error("the daemon started");
      },
      (e: Error) => e,
    );
    expect(err.message).toContain("daemon exited (69)");
    expect(err.message).toMatch(/native module "argon2" cannot be loaded/);
    expect(err.message).toMatch(/npm rebuild argon2/);
  });
});
