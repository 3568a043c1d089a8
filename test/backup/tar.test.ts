// The tar writer and reader against GNU tar: what we write lists and extracts with `tar`, what
// `tar -c` writes (long names, links, fifos) is read with each entry's true type.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readTar, writeTar } from "../../daemon/backup/tar.js";
import { PRODUCT_VERSION } from "../../daemon/version.js";

const limits = { maxEntries: 1000, maxBytes: 1 << 24 };
const long = `config/${"deep/".repeat(30)}file.json`;

describe("tar", () => {
  it("round-trips files, directories and names longer than 100 bytes, and GNU tar reads it", () => {
    const entries = [
      { name: "manifest.json", type: "file", mode: 0o644, data: Buffer.from("{}") },
      { name: "config/etc", type: "dir", mode: 0o755, data: new Uint8Array() },
      { name: long, type: "file", mode: 0o600, data: Buffer.alloc(1000, 1) },
    ];
    const buf = writeTar(entries);
    const back = readTar(buf, limits);
    expect(back.map((e) => [e.name, e.type, e.data.length])).toEqual([
      ["manifest.json", "file", 2],
      ["config/etc/", "dir", 0],
      [long, "file", 1000],
    ]);
    const dir = mkdtempSync(path.join(os.tmpdir(), "recoveryd-tar-"));
    writeFileSync(path.join(dir, "a.tar"), buf);
    const listing = execFileSync("tar", ["-tf", path.join(dir, "a.tar")], { encoding: "utf8" })
      .trim()
      .split("\n");
    expect(listing).toEqual(["manifest.json", "config/etc/", long]);
  });

  it("reads GNU tar's archives with each entry's real type", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "recoveryd-tar-"));
    const src = path.join(dir, "src");
    mkdirSync(path.join(src, "x".repeat(120)), { recursive: true });
    writeFileSync(path.join(src, "x".repeat(120), "f"), "data");
    symlinkSync("/etc/passwd", path.join(src, "link"));
    execFileSync("mkfifo", [path.join(src, "fifo")]);
    for (const format of ["gnu", "posix", "ustar"]) {
      const file = path.join(dir, `${format}.tar`);
      const members = format === "ustar" ? ["link", "fifo"] : ["link", "fifo", "x".repeat(120)];
      execFileSync("tar", [`--format=${format}`, "-cf", file, "-C", src, ...members]);
      const got = new Map(
        readTar(readFileSync(file), limits).map((e) => [e.name.replace(/\/$/, ""), e.type]),
      );
      expect(got.get("link"), format).toBe("symlink");
      expect(got.get("fifo"), format).toBe("fifo");
      if (format !== "ustar") expect(got.get(`${"x".repeat(120)}/f`), format).toBe("file");
    }
  });

  it("refuses truncated and damaged archives", () => {
    const buf = writeTar([{ name: "a", type: "file", mode: 0o644, data: Buffer.alloc(700, 2) }]);
    expect(() => readTar(buf.subarray(0, 900), limits)).toThrow(/truncated/);
    const bad = Buffer.from(buf);
    bad[10] = 0x41;
    expect(() => readTar(bad, limits)).toThrow(/damaged header/);
    expect(() => readTar(buf, { maxEntries: 10, maxBytes: 100 })).toThrow(/more than 100 bytes/);
  });

  it("writes the package's version into backups", () => {
    const pkg = JSON.parse(readFileSync(path.join(import.meta.dirname, "../../package.json"), "utf8")) as {
      version: string;
    };
    expect(PRODUCT_VERSION).toBe(pkg.version);
  });
});
