import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  createPepper,
  destroyOtherPeppers,
  listPeppers,
  PEPPER_BYTES,
  pepperPath,
  readPepper,
} from "../../daemon/crypto/pepper.js";
import { makeTempDir } from "../helpers/credentials.js";

let cleanup = () => {};
afterEach(() => cleanup());

function tmp(): string {
  const t = makeTempDir();
  cleanup = t.cleanup;
  return t.dir;
}

describe("pepper files", () => {
  it("creates a random 32-byte pepper readable only by its owner", () => {
    const dir = tmp();
    const a = createPepper(dir, 1);
    expect(a).toHaveLength(PEPPER_BYTES);
    expect(readPepper(dir, 1)?.equals(a)).toBe(true);
    expect(statSync(pepperPath(dir, 1)).mode & 0o077).toBe(0);
    expect(createPepper(dir, 2).equals(a)).toBe(false);
  });

  it("reads a missing or torn pepper as absent", () => {
    const dir = tmp();
    expect(readPepper(dir, 3)).toBeNull();
    writeFileSync(pepperPath(dir, 3), Buffer.alloc(7));
    expect(readPepper(dir, 3)).toBeNull();
  });

  it("replaces a leftover file of a generation that never committed", () => {
    const dir = tmp();
    writeFileSync(pepperPath(dir, 4), "junk");
    const p = createPepper(dir, 4);
    expect(readFileSync(pepperPath(dir, 4)).equals(p)).toBe(true);
  });

  it("destroys every other generation's pepper and nothing else", () => {
    const dir = tmp();
    for (const g of [1, 2, 5]) createPepper(dir, g);
    writeFileSync(path.join(dir, "audit.log"), "keep me");
    writeFileSync(path.join(dir, "pepper-9"), "not ours");
    expect(destroyOtherPeppers(dir, 2)).toEqual([1, 5]);
    expect(listPeppers(dir)).toEqual([2]);
    expect(readdirSync(dir).sort()).toEqual(["audit.log", "credentials.pepper-2", "pepper-9"]);
  });
});
