// Real small file systems for the fault tests: tmpfs mounts (the tests run as root, as CI does)
// that fill up or turn read-only under a running daemon.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";

export class TestMounts {
  private readonly dirs: string[] = [];

  tmpfs(dir: string, sizeKiB: number): string {
    mkdirSync(dir, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k,mode=0700`, "tmpfs", dir]);
    this.dirs.push(dir);
    return dir;
  }

  readOnly(dir: string): void {
    execFileSync("mount", ["-o", "remount,ro", dir]);
  }

  /**
   * A read-only view of `dir` over itself (a bind mount), for a file system a running daemon holds
   * open for writing (a remount to read-only is refused with EBUSY then): files it already has
   * open stay writable, every new open or create gets EROFS.
   */
  readOnlyView(dir: string): void {
    execFileSync("mount", ["--bind", dir, dir]);
    this.dirs.push(dir);
    execFileSync("mount", ["-o", "remount,bind,ro", dir]);
  }

  writable(dir: string): void {
    execFileSync("mount", ["-o", "remount,rw", dir]);
  }

  /** Fills the file system to its last block. */
  fill(file: string): void {
    try {
      execFileSync("dd", ["if=/dev/zero", `of=${file}`, "bs=64k"], { stdio: "ignore" });
    } catch {
      // dd stops with ENOSPC, which is the point.
    }
  }

  releaseAll(): void {
    for (const m of this.dirs.splice(0)) execFileSync("umount", ["-l", m]);
  }
}
