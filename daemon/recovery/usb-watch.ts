// Applies grant files dropped on a USB stick (SPEC 6): any `*.json` at the stick's root, whatever
// its name (a technician renames files; issue 15), except the request files this daemon writes. The folder may not exist until a
// stick is mounted, and a stick mounted over an existing folder is invisible to an inotify watch
// made before the mount. So: the parent folder is watched (the mount point appearing or going
// away), the folder itself is watched while it exists, and a slow identity check (stat every few
// seconds: device and inode) catches a mount over an existing folder. No fast polling.
import { type FSWatcher, lstatSync, readdirSync, renameSync, statSync, watch } from "node:fs";
import path from "node:path";
import type { Logger } from "../log.js";
import { MAX_DOCUMENT_BYTES } from "./grant.js";

/** Every JSON file at the root is considered; the callee says why one is refused. */
export const CANDIDATE_FILE = /\.json$/;
/** Our own request files (`recoveryd-<id>.request.json`): read by the vendor, never by us. */
const OWN_REQUEST_FILE = /\.request\.json$/;
const isCandidate = (name: string) => CANDIDATE_FILE.test(name) && !OWN_REQUEST_FILE.test(name);

export type GrantFileOutcome = "applied" | "refused";

export interface UsbWatcherOptions {
  dir: string;
  /** Reads and applies one grant file. Errors are the callee's to audit; they count as refused. */
  onGrantFile: (file: string) => Promise<GrantFileOutcome>;
  log: Logger;
  /** How often the folder's identity is checked (a stick mounted over an existing folder). */
  rescanMs?: number;
  /** Quiet time after the last event for a file before it is read (a copy still in progress). */
  settleMs?: number;
}

export class UsbGrantWatcher {
  private dirWatcher: FSWatcher | null = null;
  private parentWatcher: FSWatcher | null = null;
  private identity: string | null = null;
  private rescan: NodeJS.Timeout | null = null;
  private rearmTimer: NodeJS.Timeout | null = null;
  private readonly settle = new Map<string, NodeJS.Timeout>();
  private readonly seen = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly dir: string;

  constructor(private readonly opts: UsbWatcherOptions) {
    this.dir = path.resolve(opts.dir);
  }

  start(): void {
    if (this.closed || this.rescan) return;
    this.arm();
    this.rescan = setInterval(() => this.checkIdentity(), this.opts.rescanMs ?? 5000);
    this.rescan.unref();
  }

  get watching(): boolean {
    return this.dirWatcher !== null;
  }

  /** Resolves when every file picked up so far has been handled (tests). */
  idle(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  close(): void {
    this.closed = true;
    if (this.rescan) clearInterval(this.rescan);
    if (this.rearmTimer) clearTimeout(this.rearmTimer);
    for (const t of this.settle.values()) clearTimeout(t);
    this.settle.clear();
    this.closeWatchers();
  }

  private arm(): void {
    if (this.closed) return;
    this.closeWatchers();
    const st = statOrNull(this.dir);
    this.identity = st?.isDirectory() ? `${st.dev}:${st.ino}` : null;
    const parent = path.dirname(this.dir);
    const base = path.basename(this.dir);
    try {
      this.parentWatcher = watch(parent, { persistent: false }, (_event, name) => {
        if (!name || name === base) this.scheduleRearm();
      });
      this.parentWatcher.on("error", () => this.scheduleRearm());
    } catch {
      this.parentWatcher = null; // parent missing too: the identity check covers it
    }
    if (!this.identity) return;
    try {
      this.dirWatcher = watch(this.dir, { persistent: false }, (_event, name) => {
        if (name && isCandidate(name)) this.schedule(name);
        else if (!name) this.scan();
      });
      this.dirWatcher.on("error", () => this.scheduleRearm());
      this.opts.log.info({ dir: this.dir }, "watching USB folder for reset grants");
    } catch (err) {
      this.opts.log.warn({ err, dir: this.dir }, "cannot watch USB folder");
    }
    this.scan();
  }

  private closeWatchers(): void {
    this.dirWatcher?.close();
    this.parentWatcher?.close();
    this.dirWatcher = null;
    this.parentWatcher = null;
  }

  private scheduleRearm(): void {
    if (this.closed || this.rearmTimer) return;
    this.rearmTimer = setTimeout(() => {
      this.rearmTimer = null;
      this.arm();
    }, this.opts.settleMs ?? 300);
  }

  private checkIdentity(): void {
    const st = statOrNull(this.dir);
    const now = st?.isDirectory() ? `${st.dev}:${st.ino}` : null;
    if (now !== this.identity) this.arm();
  }

  private scan(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const n of names) if (isCandidate(n)) this.schedule(n);
  }

  private schedule(name: string): void {
    const prev = this.settle.get(name);
    if (prev) clearTimeout(prev);
    this.settle.set(
      name,
      setTimeout(() => {
        this.settle.delete(name);
        this.chain = this.chain.then(() => this.handle(name));
      }, this.opts.settleMs ?? 300),
    );
  }

  private async handle(name: string): Promise<void> {
    if (this.closed) return;
    const file = path.join(this.dir, name);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(file);
    } catch {
      return; // gone again (stick pulled, file renamed)
    }
    // Only plain, small files: a symlink on a stick could point anywhere on the recorder.
    if (!st.isFile() || st.size > MAX_DOCUMENT_BYTES) {
      this.opts.log.warn({ file }, "ignoring USB grant file: not a small regular file");
      return;
    }
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    let outcome: GrantFileOutcome;
    try {
      outcome = await this.opts.onGrantFile(file);
    } catch {
      outcome = "refused";
    }
    // The renamed file tells the technician what happened and keeps it from being tried again
    // at every boot. A read-only stick keeps the name; `seen` still stops a loop.
    try {
      renameSync(file, `${file}.${outcome}`);
    } catch {
      // read-only or already gone
    }
  }
}

function statOrNull(p: string) {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}
