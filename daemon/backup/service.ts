// Configuration backup and restore (SPEC 6, issue 16): the factory reset's restore paths, as an
// age-encrypted tar with a manifest of hashes; never credentials, pepper, factory data, the audit
// log or recordings. A restore checks everything before it writes and applies atomically.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Clock } from "../clock.js";
import { BackupError, ConflictError } from "../errors.js";
import type { Logger } from "../log.js";
import { writeFileAtomic } from "../recovery/atomic-file.js";
import { PreserveGuard } from "../recovery/preserve-guard.js";
import type { AuditSink } from "../services.js";
import { type AgeKey, ageDecrypt, ageEncrypt } from "./age.js";
import { applyBackup, resumeRestore } from "./apply.js";
import { collect } from "./collect.js";
import { checkBackup, MAX_BACKUP_BYTES, MAX_BACKUP_ENTRIES, type Manifest } from "./manifest.js";
import { readTar, writeTar } from "./tar.js";

export interface BackupServiceOptions {
  restorePaths: readonly string[];
  preserve: readonly string[];
  /** State directory, factory data: never in a backup, never written by a restore. */
  credentialPaths: readonly string[];
  stateDir: string;
  /** Where `export` writes when no destination is given (the USB stick's mount point). */
  defaultDir: string | undefined;
  model: string | null;
  deviceId: string | null;
  productVersion: string;
  clock: Clock;
  log: Logger;
  audit: AuditSink;
  onStep?: (step: string) => void | Promise<void>;
}

/** Decrypts and parses a backup file without touching anything (also `recoveryctl backup inspect`). */
export async function openBackup(bytes: Uint8Array, key: AgeKey) {
  // The encrypted size bounds the plain size: refuse before decrypting a huge file.
  if (bytes.length > MAX_BACKUP_BYTES * 1.01 + 1024 * 1024)
    throw new BackupError("too_large", `the backup file exceeds ${MAX_BACKUP_BYTES} bytes`);
  const plain = await ageDecrypt(bytes, key);
  return readTar(plain, { maxEntries: MAX_BACKUP_ENTRIES + 1, maxBytes: MAX_BACKUP_BYTES });
}

export class BackupService {
  private busy = false;
  constructor(private readonly o: BackupServiceOptions) {}

  private guard() {
    return new PreserveGuard(this.o.preserve);
  }

  async resumeIfPending(): Promise<void> {
    const done = await resumeRestore(this.o.restorePaths, { stateDir: this.o.stateDir, guard: this.guard() });
    if (done !== "none") {
      this.o.audit.record("backup-restore", { outcome: done === "finished" ? "resumed" : "rolled-back" });
      this.o.log.warn({ outcome: done }, "interrupted configuration restore handled at start");
    }
  }

  async export(key: AgeKey, to: string | undefined): Promise<{ file: string; manifest: Manifest }> {
    return this.exclusive(async () => {
      try {
        const file = await this.destination(to);
        const { manifest, entries } = await collect({
          restorePaths: this.o.restorePaths,
          credentialPaths: this.o.credentialPaths,
          model: this.o.model,
          deviceId: this.o.deviceId,
          productVersion: this.o.productVersion,
          now: new Date(this.o.clock.now()),
        });
        const bytes = await ageEncrypt(writeTar(entries), key);
        try {
          await writeFileAtomic(file, bytes, 0o600, { createDir: false });
        } catch (err) {
          throw new BackupError(
            "io",
            `cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`,
          );
        }
        this.o.audit.record("backup-export", {
          outcome: "done",
          file,
          files: manifest.files.length,
          bytes: bytes.length,
          to: key.passphrase !== undefined ? "passphrase" : "recipient",
        });
        return { file, manifest };
      } catch (err) {
        this.o.audit.record("backup-export", { outcome: "refused", reason: reasonOf(err) });
        throw err;
      }
    });
  }

  async restore(key: AgeKey, file: string): Promise<{ restored: string[]; manifest: Manifest }> {
    return this.exclusive(async () => {
      try {
        if (!path.isAbsolute(file))
          throw new BackupError("no_destination", "the backup file must be an absolute path");
        let bytes: Buffer;
        try {
          const st = await stat(file);
          if (!st.isFile()) throw new BackupError("io", `${file} is not a file`);
          if (st.size > MAX_BACKUP_BYTES * 1.01 + 1024 * 1024)
            throw new BackupError("too_large", `the backup file exceeds ${MAX_BACKUP_BYTES} bytes`);
          bytes = await readFile(file);
        } catch (err) {
          if (err instanceof BackupError) throw err;
          throw new BackupError("io", `cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
        }
        const checked = checkBackup(await openBackup(bytes, key), {
          restorePaths: this.o.restorePaths,
          credentialPaths: this.o.credentialPaths,
          model: this.o.model,
        });
        this.o.audit.record("backup-restore", { outcome: "started", roots: checked.roots.length });
        await applyBackup(checked, { stateDir: this.o.stateDir, guard: this.guard(), onStep: this.o.onStep });
        const restored = checked.roots.map((r) => r.path);
        this.o.audit.record("backup-restore", {
          outcome: "done",
          roots: restored.length,
          files: checked.manifest.files.length,
          createdAt: checked.manifest.createdAt,
        });
        this.o.log.info({ restored }, "configuration restored from a backup");
        return { restored, manifest: checked.manifest };
      } catch (err) {
        this.o.audit.record("backup-restore", { outcome: "refused", reason: reasonOf(err) });
        throw err;
      }
    });
  }

  /**
   * A folder gets a named file; a path in an existing folder is used as is. Nothing is created
   * on the way: a missing folder (an unplugged stick, a typo) or a place that is no folder is
   * backup_io, because mkdir -p from an admin's string made trees anywhere and looped forever
   * under /proc, holding the backup lock.
   */
  private async destination(to: string | undefined): Promise<string> {
    const dir = to ?? this.o.defaultDir;
    if (!dir)
      throw new BackupError(
        "no_destination",
        "no destination given and no USB folder configured (recovery.usbDir)",
      );
    if (!path.isAbsolute(dir))
      throw new BackupError("no_destination", "the destination must be an absolute path");
    const isDir = (p: string) =>
      stat(p).then(
        (s) => s.isDirectory(),
        () => false,
      );
    if (await isDir(dir)) {
      const stamp = new Date(this.o.clock.now()).toISOString().replace(/[:.]/g, "-");
      return path.join(
        dir,
        `recoveryd-backup-${(this.o.deviceId ?? "recorder").replace(/[^A-Za-z0-9._-]/g, "_")}-${stamp}.age`,
      );
    }
    if (to === undefined)
      throw new BackupError("io", `the USB folder ${dir} is not there (is the stick plugged in?)`);
    if (!(await isDir(path.dirname(dir))))
      throw new BackupError("io", `${path.dirname(dir)} is not an existing folder`);
    return dir;
  }

  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.busy) throw new ConflictError("a backup or restore is already running", "backup_busy");
    this.busy = true;
    try {
      return await fn();
    } finally {
      this.busy = false;
    }
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof BackupError) return err.reason;
  return (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.name ?? "error";
}
