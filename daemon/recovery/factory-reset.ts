// Factory reset (SPEC 4): a credential reset plus restoring the configured paths from factory
// defaults, crash-safe in the manner of OpenWrt's fstools: a durable intent (the PENDING marker)
// is written first, every step after it is idempotent, and the next start finishes whatever a
// power cut interrupted. Preserve paths (recordings) are never written, renamed or removed.
//
//   1. marker {phase: "credentials"}     fsynced; from here on the reset will complete
//   2. credential reset                  through the AccountService (atomic on its own)
//   3. marker {phase: "restore"}         so a resume does not reset credentials twice (and the
//                                        marker's fromGeneration covers a cut between 2 and 3)
//   4. each restore path                 copy `from` to <path>.recoveryd-new, fsync, swap by rename
//   5. marker removed                    fsynced
//   6. afterCommand                      optional (a reboot, say), after a short delay
import { spawn } from "node:child_process";
import { lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import type { AuditSink, ResetOptions, ResetOutcome } from "../services.js";
import { fsyncDir, readJsonIfExists, removeDurably, writeJsonAtomic } from "./atomic-file.js";
import { FactoryResetError } from "./errors.js";
import { PreserveGuard } from "./preserve-guard.js";
import { checkTree, copyTreeDurably } from "./tree-copy.js";

export const MARKER_FILE = "factory-reset.pending";
export const NEW_SUFFIX = ".recoveryd-new";
export const OLD_SUFFIX = ".recoveryd-old";

type Phase = "credentials" | "restore";

export interface FactoryResetMarker {
  v: 1;
  reason: string;
  startedAt: string;
  /** Whether the credential reset should open the setup window (button) or not (remote). */
  openWindow: boolean;
  phase: Phase;
  /**
   * The credential store's generation when the reset began. A cut after the credential reset
   * committed but before the marker reached "restore" must not reset the credentials a second
   * time at resume (a second generation and pepper rotation): found by the power-cut rig.
   * Absent in markers written before it existed: those resume as they always did.
   */
  fromGeneration?: number;
}

export interface FactoryResetOptions {
  /** Directory holding the marker (recoveryd's recovery state directory). */
  stateDir: string;
  restore: readonly { path: string; from: string }[];
  preserve: readonly string[];
  afterCommand?: readonly string[] | undefined;
  /** The credential half of the reset (AccountService.credentialReset("factory", …) in the daemon). */
  credentialReset: (opts: ResetOptions) => Promise<ResetOutcome>;
  /** The credential store's current generation (AccountService.status().generation). */
  generation?: () => number;
  clock: Clock;
  log: Logger;
  audit: AuditSink;
  /** Observer at each durable step (crash tests kill the process here). */
  onStep?: (step: string) => void | Promise<void>;
  /** Runs afterCommand; resolves with its exit code. Spawns it (no shell) by default. */
  runCommand?: (argv: readonly string[]) => Promise<number | null>;
  afterCommandDelayMs?: number;
}

export class FactoryReset {
  readonly markerPath: string;
  private readonly guard: PreserveGuard;
  private afterTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: FactoryResetOptions) {
    this.markerPath = path.join(opts.stateDir, MARKER_FILE);
    this.guard = new PreserveGuard(opts.preserve);
  }

  async isPending(): Promise<boolean> {
    return (await this.readMarker()) !== null;
  }

  /**
   * Runs a whole factory reset. Checks everything it can before writing the marker, so a refusal
   * (FactoryResetError) changes nothing. Returns the credential reset's outcome.
   */
  async run(reason: string, resetOpts: ResetOptions): Promise<ResetOutcome> {
    try {
      await this.check();
    } catch (err) {
      this.opts.audit.record("factory-reset", { outcome: "refused", reason, error: errorReason(err) });
      throw err;
    }
    this.opts.audit.record("factory-reset", { outcome: "started", reason });
    const marker: FactoryResetMarker = {
      v: 1,
      reason,
      startedAt: new Date(this.opts.clock.now()).toISOString(),
      openWindow: resetOpts.openWindow,
      phase: "credentials",
      ...(this.opts.generation ? { fromGeneration: this.opts.generation() } : {}),
    };
    await this.writeMarker(marker);
    await this.step("marker-written");
    const outcome = await this.finish(marker, resetOpts);
    if (!outcome) throw new FactoryResetError("internal", "the credential reset did not run");
    return outcome;
  }

  /** Completes an interrupted reset: true if one was pending and is now done. Throws if it cannot. */
  async resumeIfPending(): Promise<boolean> {
    await this.sweepTemp();
    const marker = await this.readMarker();
    if (!marker) return false;
    this.opts.log.warn(
      { reason: marker.reason, phase: marker.phase },
      "finishing an interrupted factory reset",
    );
    this.opts.audit.record("factory-reset", {
      outcome: "resumed",
      reason: marker.reason,
      phase: marker.phase,
    });
    // Nobody is waiting for a setup token after a restart; the window follows the original trigger.
    await this.finish(marker, { openWindow: marker.openWindow, issueSetupToken: false });
    return true;
  }

  close(): void {
    if (this.afterTimer) clearTimeout(this.afterTimer);
    this.afterTimer = null;
  }

  /** Steps 2-6 from the marker's phase on. The outcome is null when the credential step was done before. */
  private async finish(marker: FactoryResetMarker, resetOpts: ResetOptions): Promise<ResetOutcome | null> {
    try {
      let outcome: ResetOutcome | null = null;
      if (marker.phase === "credentials") {
        if (this.credentialsAlreadyReset(marker)) {
          this.opts.log.warn(
            { fromGeneration: marker.fromGeneration },
            "the credential half of the interrupted factory reset had committed: not repeated",
          );
        } else {
          outcome = await this.opts.credentialReset(resetOpts);
          await this.step("credentials-done");
        }
        await this.writeMarker({ ...marker, phase: "restore" });
        await this.step("phase-restore");
      }
      for (const [i, r] of this.opts.restore.entries()) await this.restoreOne(i, r.path, r.from);
      await removeDurably(this.markerPath);
      await this.step("marker-removed");
      this.opts.audit.record("factory-reset", { outcome: "done", reason: marker.reason });
      this.opts.log.info({ reason: marker.reason }, "factory reset complete");
      this.scheduleAfterCommand();
      return outcome;
    } catch (err) {
      this.opts.audit.record("factory-reset", {
        outcome: "failed",
        reason: marker.reason,
        error: errorReason(err),
      });
      this.opts.log.error({ err }, "factory reset failed; it stays pending and is retried at the next start");
      throw err;
    }
  }

  private credentialsAlreadyReset(marker: FactoryResetMarker): boolean {
    if (marker.fromGeneration === undefined || !this.opts.generation) return false;
    try {
      return this.opts.generation() > marker.fromGeneration;
    } catch {
      return false; // a store that cannot say: the credential reset runs (and reports) as before
    }
  }

  /** Idempotent: whatever a crash left behind (a half copy, a moved-away original) is redone. */
  private async restoreOne(i: number, target: string, from: string): Promise<void> {
    const dst = path.resolve(target);
    const tmp = dst + NEW_SUFFIX;
    const old = dst + OLD_SUFFIX;
    for (const p of [dst, tmp, old]) await this.guard.assertWritable(p);
    await mkdir(path.dirname(dst), { recursive: true });
    await rm(tmp, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
    await copyTreeDurably(from, tmp, dst, this.guard);
    await fsyncDir(path.dirname(dst));
    await this.step(`restore-copied:${i}`);
    const current = await lstatOrNull(dst);
    if (current?.isDirectory() || (await lstatOrNull(tmp))?.isDirectory()) {
      // rename() cannot replace a non-empty directory: move the old one aside first. A crash in
      // between leaves the path missing, which the redo above repairs.
      if (current) {
        await rename(dst, old);
        await this.step(`restore-moved-old:${i}`);
      }
      await rename(tmp, dst);
    } else {
      await rename(tmp, dst);
    }
    await fsyncDir(path.dirname(dst));
    await this.step(`restore-swapped:${i}`);
    await rm(old, { recursive: true, force: true });
  }

  /** Everything that can be checked before writing: preserve overlaps, sources, symlinks. */
  async check(): Promise<void> {
    for (const r of this.opts.restore) {
      const dst = path.resolve(r.path);
      for (const p of [dst, dst + NEW_SUFFIX, dst + OLD_SUFFIX]) await this.guard.assertWritable(p);
      await checkTree(r.from, dst, this.guard);
    }
  }

  private async readMarker(): Promise<FactoryResetMarker | null> {
    let raw: unknown;
    let problem: string | null = null;
    try {
      raw = await readJsonIfExists(this.markerPath);
    } catch (err) {
      problem = (err as Error).message;
    }
    if (raw === undefined && problem === null) return null;
    // The marker is written atomically and whole, so anything else (an empty file, junk, a
    // phase we do not know) was not written by us: a wipe needs a real intent. Report it, move
    // it aside so it is looked at once, and do nothing.
    const m = (typeof raw === "object" && raw !== null ? raw : {}) as Partial<FactoryResetMarker>;
    const valid =
      problem === null &&
      m.v === 1 &&
      (m.phase === "credentials" || m.phase === "restore") &&
      typeof m.reason === "string" &&
      typeof m.startedAt === "string" &&
      typeof m.openWindow === "boolean" &&
      (m.fromGeneration === undefined || Number.isSafeInteger(m.fromGeneration));
    if (!valid) {
      const detail = problem ?? "not a factory-reset marker written by recoveryd";
      this.opts.log.error({ detail }, "factory-reset marker invalid: ignored, not executed");
      this.opts.audit.record("factory-reset-marker-invalid", { detail: detail.slice(0, 200) });
      await rename(this.markerPath, `${this.markerPath}.invalid`).catch(() =>
        rm(this.markerPath, { force: true }),
      );
      return null;
    }
    return m as FactoryResetMarker;
  }

  private async writeMarker(m: FactoryResetMarker): Promise<void> {
    await writeJsonAtomic(this.markerPath, m);
  }

  /** Temp files of atomic writes torn by a crash. */
  private async sweepTemp(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.opts.stateDir);
    } catch {
      return;
    }
    for (const n of names) {
      if (n.startsWith(`.${MARKER_FILE}.`) && n.endsWith(".tmp"))
        await rm(path.join(this.opts.stateDir, n), { force: true });
    }
  }

  private async step(name: string): Promise<void> {
    await this.opts.onStep?.(name);
  }

  private scheduleAfterCommand(): void {
    const argv = this.opts.afterCommand;
    if (!argv || argv.length === 0) return;
    const run = this.opts.runCommand ?? spawnAndWait;
    // A short delay lets the API answer its caller before, say, a reboot.
    this.afterTimer = setTimeout(() => {
      this.afterTimer = null;
      run(argv).then(
        (exitCode) => {
          this.opts.audit.record("factory-reset.after-command", {
            outcome: exitCode === 0 ? "ok" : "failed",
            exitCode,
          });
          this.opts.log.info({ exitCode }, "factory reset after-command finished");
        },
        (err: unknown) => {
          this.opts.audit.record("factory-reset.after-command", {
            outcome: "failed",
            error: errorReason(err),
          });
          this.opts.log.error({ err }, "factory reset after-command could not run");
        },
      );
    }, this.opts.afterCommandDelayMs ?? 500);
  }
}

function spawnAndWait(argv: readonly string[]): Promise<number | null> {
  const [cmd, ...args] = argv;
  return new Promise((resolve, reject) => {
    if (!cmd) return reject(new Error("empty afterCommand"));
    const child = spawn(cmd, args, { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code));
  });
}

async function lstatOrNull(p: string) {
  try {
    return await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

function errorReason(err: unknown): string {
  if (err instanceof FactoryResetError) return err.reason;
  return (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.name ?? "error";
}
