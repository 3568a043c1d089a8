import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error: build glue is plain JavaScript without declarations
import { staleReason } from "../../scripts/build-if-stale.mjs";

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function tree(): string {
  const root = mkdtempSync(path.join(tmpdir(), "recoveryd-stale-"));
  roots.push(root);
  for (const dir of ["daemon/store", "hal", "scripts", "dist/web/dev"]) {
    mkdirSync(path.join(root, dir), { recursive: true });
  }
  writeFileSync(path.join(root, "daemon/store/db.ts"), "");
  writeFileSync(path.join(root, "package.json"), "{}");
  const past = new Date(Date.now() - 60_000);
  utimesSync(path.join(root, "daemon/store/db.ts"), past, past);
  utimesSync(path.join(root, "package.json"), past, past);
  writeFileSync(path.join(root, "dist/recoveryd.mjs"), "");
  writeFileSync(path.join(root, "dist/recoveryd-core.mjs"), "");
  writeFileSync(path.join(root, "dist/web/dev/dev-start.js"), "");
  return root;
}

describe("npm start builds only what changed", () => {
  it("skips the build when every output is newer than every input", () => {
    expect(staleReason(tree())).toBeNull();
  });

  it("builds when a source under a nested folder is newer than the bundle", () => {
    const root = tree();
    const future = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, "daemon/store/db.ts"), future, future);
    expect(staleReason(root)).toBe(`${path.join("daemon", "store", "db.ts")} changed`);
  });

  it("builds when an output is missing", () => {
    const root = tree();
    rmSync(path.join(root, "dist/recoveryd.mjs"));
    expect(staleReason(root)).toBe("dist/recoveryd.mjs is missing");
  });

  it("ignores node_modules and files that are not inputs", () => {
    const root = tree();
    const future = new Date(Date.now() + 60_000);
    mkdirSync(path.join(root, "scripts/node_modules"), { recursive: true });
    writeFileSync(path.join(root, "scripts/node_modules/x.js"), "");
    writeFileSync(path.join(root, "scripts/notes.txt"), "");
    utimesSync(path.join(root, "scripts/node_modules/x.js"), future, future);
    utimesSync(path.join(root, "scripts/notes.txt"), future, future);
    expect(staleReason(root)).toBeNull();
  });
});
