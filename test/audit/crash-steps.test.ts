// Deterministic kill -9: the real writer runs with a fault injected before its k-th filesystem
// change (file created, write, unlink, rename), after which the "process" can change nothing more.
// Every kill point is tried, one and two in a row: the second run also dies at every step,
// including the steps of the recovery that finishes the first run's interrupted rotation.
import fs from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NEXT } from "../../daemon/audit/files.js";
import { verifyAuditDir } from "../../daemon/audit/index.js";
import type { FakeClock } from "../../daemon/clock.js";
import { auditFiles, open, recordMix, tempDir } from "./helpers.js";

const keepFiles = 3;
const maxFileBytes = 1024;
/** Records per run: about three rotations at 1 KiB per file. */
const RECORDS = 16;
/** Records for one full rotation (about 6 entries fill a file), after the recovery at open if any. */
const ONE_ROTATION = 9;

afterEach(() => {
  vi.restoreAllMocks();
});

type Mutating = "openSync" | "writeSync" | "rmSync" | "renameSync";

/**
 * Runs `body` with the k-th filesystem change (1-based) failing, and every one after it: the state
 * a kill before that change leaves. Returns false if `body` made fewer than k changes.
 */
function dieBefore(k: number, body: () => void): boolean {
  let n = 0;
  const spy = (name: Mutating): void => {
    const real = fs[name] as (...args: unknown[]) => unknown;
    vi.spyOn(fs, name).mockImplementation(((...args: unknown[]) => {
      // Opening for reading or appending changes nothing on disk; "w" creates audit.next.log.
      if (name !== "openSync" || args[1] === "w") {
        n++;
        if (n >= k) throw new Error(`killed before change ${k}`);
      }
      return Reflect.apply(real, fs, args);
    }) as never);
  };
  for (const name of ["openSync", "writeSync", "rmSync", "renameSync"] as const) spy(name);
  try {
    body();
  } catch {
    // the kill
  } finally {
    vi.restoreAllMocks();
  }
  return n >= k;
}

function run(dir: string, clock: FakeClock, records = RECORDS): void {
  const { log } = open(dir, { keepFiles, maxFileBytes, clock });
  try {
    recordMix(log, clock, records);
  } finally {
    try {
      log.close(); // sync "none": only closes the fd, as the kernel does for a killed process
    } catch {
      // closed already
    }
  }
}

/** A full directory (keepFiles files), so that every rotation drops one. */
function fullDir(): { dir: string; clock: FakeClock } {
  const dir = tempDir();
  const { log, clock } = open(dir, { keepFiles, maxFileBytes });
  while (auditFiles(dir).length < keepFiles) recordMix(log, clock, 1);
  recordMix(log, clock, 2);
  log.close();
  return { dir, clock };
}

function checkAfterKill(dir: string, label: string): void {
  expect(verifyAuditDir(dir), label).toMatchObject({ ok: true });
  // Mid-rotation: audit.next.log plus keepFiles numbered files at most.
  expect(auditFiles(dir).length, `${label}: ${auditFiles(dir).join(" ")}`).toBeLessThanOrEqual(keepFiles + 1);
}

function checkReopen(dir: string, clock: FakeClock, label: string): void {
  const { log } = open(dir, { keepFiles, maxFileBytes, clock });
  expect(log.verify(), label).toMatchObject({ ok: true });
  log.close();
  const files = auditFiles(dir);
  expect(files, label).not.toContain(NEXT);
  // The open finished any interrupted rotation, including its drop: back to keepFiles.
  expect(files.length, `${label}: ${files.join(" ")}`).toBeLessThanOrEqual(keepFiles);
  expect(verifyAuditDir(dir), label).toMatchObject({ ok: true });
}

describe("audit log killed before each filesystem change", () => {
  it("one kill at every step", () => {
    let kills = 0;
    for (let k = 1; ; k++) {
      const { dir, clock } = fullDir();
      if (!dieBefore(k, () => run(dir, clock))) break;
      kills++;
      const label = `kill before change ${k}`;
      checkAfterKill(dir, label);
      checkReopen(dir, clock, label);
    }
    expect(kills).toBeGreaterThan(RECORDS); // every record and every rotation step was a kill point
  });

  it("two kills in a row, the second at every step of the next run (recovery included)", {
    timeout: 120_000,
  }, () => {
    let interrupted = 0;
    for (let k1 = 1; ; k1++) {
      const first = fullDir();
      if (!dieBefore(k1, () => run(first.dir, first.clock, ONE_ROTATION))) break;
      // Kills between rotations are covered above; here the first one leaves a rotation to finish.
      if (!auditFiles(first.dir).includes(NEXT)) continue;
      interrupted++;
      const snapshot = `${first.dir}.k1`;
      fs.cpSync(first.dir, snapshot, { recursive: true });
      for (let k2 = 1; ; k2++) {
        const dir = first.dir;
        fs.rmSync(dir, { recursive: true, force: true });
        fs.cpSync(snapshot, dir, { recursive: true });
        const clock = first.clock;
        if (!dieBefore(k2, () => run(dir, clock, ONE_ROTATION))) break;
        const label = `kill before change ${k1}, then before change ${k2} of the next run`;
        checkAfterKill(dir, label);
        checkReopen(dir, clock, label);
      }
    }
    expect(interrupted).toBeGreaterThan(5); // a few rotations, each cut at several steps
  });
});
