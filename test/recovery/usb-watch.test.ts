// The USB grant watcher on real folders: a stick that appears after start, one that is pulled
// and another put in, files already there, symlinks, and what the files are renamed to.
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../daemon/log.js";
import { type GrantFileOutcome, UsbGrantWatcher } from "../../daemon/recovery/usb-watch.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function setup(outcome: (file: string) => GrantFileOutcome = () => "applied") {
  const media = path.join(tmp.dir, `media${n++}`);
  const dir = path.join(media, "usb");
  mkdirSync(media);
  const seen: string[] = [];
  const watcher = new UsbGrantWatcher({
    dir,
    log: silentLogger(),
    rescanMs: 10_000, // the parent watch must do the work, not the slow identity check
    settleMs: 30,
    onGrantFile: async (file) => {
      seen.push(path.basename(file));
      return outcome(file);
    },
  });
  return { media, dir, seen, watcher };
}

describe("USB grant watcher", () => {
  it("picks up a stick mounted after start, handles each grant once and renames it", async () => {
    const { dir, seen, watcher } = setup();
    watcher.start();
    expect(watcher.watching).toBe(false);
    mkdirSync(dir);
    await until(() => watcher.watching);
    writeFileSync(path.join(dir, "a.grant.json"), "{}");
    writeFileSync(path.join(dir, "notes.txt"), "ignored");
    await until(() => existsSync(path.join(dir, "a.grant.json.applied")));
    expect(seen).toEqual(["a.grant.json"]);
    watcher.close();
  });

  it("handles files already on the stick, and a new stick after the old one is pulled", async () => {
    const { media, dir, seen, watcher } = setup((f) =>
      f.endsWith("bad.grant.json") ? "refused" : "applied",
    );
    mkdirSync(dir);
    writeFileSync(path.join(dir, "first.grant.json"), "{}");
    watcher.start();
    await until(() => existsSync(path.join(dir, "first.grant.json.applied")));
    // pull the stick (the mount point goes away), then another one appears
    renameSync(dir, path.join(media, "gone"));
    await new Promise((r) => setTimeout(r, 100));
    mkdirSync(dir);
    await until(() => watcher.watching);
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(path.join(dir, "bad.grant.json"), "{}");
    await until(() => existsSync(path.join(dir, "bad.grant.json.refused")));
    expect(seen).toEqual(["first.grant.json", "bad.grant.json"]);
    watcher.close();
  });

  it("ignores symlinks (a stick could point at any file on the recorder)", async () => {
    const { dir, seen, watcher } = setup();
    mkdirSync(dir);
    writeFileSync(path.join(tmp.dir, "outside.json"), "{}");
    symlinkSync(path.join(tmp.dir, "outside.json"), path.join(dir, "link.grant.json"));
    watcher.start();
    writeFileSync(path.join(dir, "real.grant.json"), "{}");
    await until(() => seen.length === 1);
    await watcher.idle();
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(["real.grant.json"]);
    watcher.close();
  });

  it("notices a folder replaced under it (same path, new inode: a mount)", async () => {
    const media = path.join(tmp.dir, "slow");
    const dir = path.join(media, "usb");
    mkdirSync(dir, { recursive: true });
    const seen: string[] = [];
    const watcher = new UsbGrantWatcher({
      dir,
      log: silentLogger(),
      rescanMs: 100,
      settleMs: 30,
      onGrantFile: async (file) => {
        seen.push(path.basename(file));
        return "applied";
      },
    });
    watcher.start();
    // Stand-in for a mount over the folder: same path, different inode, and a grant already on it.
    const staged = path.join(tmp.dir, "staged");
    mkdirSync(staged);
    writeFileSync(path.join(staged, "s.grant.json"), "{}");
    rmSync(dir, { recursive: true });
    renameSync(staged, dir);
    await until(() => seen.length === 1);
    expect(seen).toEqual(["s.grant.json"]);
    watcher.close();
  });
});
