// An AccountService whose credential reset is a durable file write: enough to see, after a crash,
// whether the credential half of a factory reset happened. Used by the crash child and its parent.
import { readFileSync } from "node:fs";
import { writeJsonAtomic } from "../../daemon/recovery/atomic-file.js";
import type { ResetOptions, ResetOutcome, ResetReason } from "../../daemon/services.js";
import { MemoryAccounts } from "./memory-accounts.js";

export interface CredentialFile {
  generation: number;
  state: "first-boot" | "provisioned";
  lastReason: ResetReason | null;
}

export function readCredentials(file: string): CredentialFile {
  return JSON.parse(readFileSync(file, "utf8")) as CredentialFile;
}

export class FileAccounts extends MemoryAccounts {
  constructor(private readonly file: string) {
    super();
  }

  /** The generation is the file's, so a restarted process sees what the killed one committed. */
  override status() {
    return { ...super.status(), generation: readCredentials(this.file).generation };
  }

  override async credentialReset(reason: ResetReason, opts: ResetOptions): Promise<ResetOutcome> {
    const cur = readCredentials(this.file);
    const next: CredentialFile = { generation: cur.generation + 1, state: "first-boot", lastReason: reason };
    await writeJsonAtomic(this.file, next);
    this.resets.push({ reason, opts, generation: next.generation });
    return { generation: next.generation };
  }
}
