// Hand-made configuration archives for the restore refusals: plain `tar` and the reference `age`
// CLI, so the daemon is judged on archives it did not write. Each one decrypts fine and carries
// one thing the daemon must refuse (another model, a newer format, a credential path...).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface ArchiveKit {
  /** Scratch directory for stages, tar files and archives. */
  work: string;
  /** An age identity file made by `age-keygen` (its recipient encrypts the archives). */
  keyFile: string;
  /** The configured network file the good archive restores. */
  network: string;
  /** The recorder's model (factory data). */
  model: string;
}

export function makeIdentity(work: string): string {
  const keyFile = path.join(work, "owner.key");
  execFileSync("age-keygen", ["-o", keyFile], { stdio: "ignore" });
  return keyFile;
}

export function identityOf(kit: ArchiveKit): string {
  return readFileSync(kit.keyFile, "utf8");
}

/**
 * A one-file archive of `kit.network`, after `mutate` changed its manifest or its stage; mutate
 * returns the tar members after manifest.json (by default the network file).
 */
export function craftArchive(
  kit: ArchiveKit,
  name: string,
  mutate: (m: Record<string, unknown>, stage: string, net: string) => string[] = (_m, _s, net) => [net],
  opts: { manifestFirst?: boolean } = {},
): string {
  const stage = path.join(kit.work, `crafted-${name}`);
  mkdirSync(path.join(stage, "config", path.dirname(kit.network)), { recursive: true });
  const text = '{"dhcp":true,"evil":1}';
  writeFileSync(path.join(stage, "config", kit.network), text);
  const m: Record<string, unknown> = {
    type: "recoveryd-config-backup",
    v: 1,
    model: kit.model,
    roots: [{ path: kit.network, kind: "file" }],
    files: [
      { path: kit.network, size: text.length, sha256: createHash("sha256").update(text).digest("hex") },
    ],
  };
  const members = mutate(m, stage, `config${kit.network}`);
  writeFileSync(path.join(stage, "manifest.json"), JSON.stringify(m));
  const tarFile = path.join(kit.work, `crafted-${name}.tar`);
  const order = opts.manifestFirst === false ? [...members, "manifest.json"] : ["manifest.json", ...members];
  execFileSync("tar", ["-cf", tarFile, "-C", stage, ...order]);
  const ageFile = `${tarFile}.age`;
  const recipient = execFileSync("age-keygen", ["-y", kit.keyFile], { encoding: "utf8" }).trim();
  execFileSync("age", ["-r", recipient, "-o", ageFile, tarFile]);
  return ageFile;
}

/** An archive's passphrase header rewritten to ask for 2^logN scrypt work (its MAC no longer fits). */
export function withScryptWork(ageFile: string, logN: number, out: string): string {
  const bytes = readFileSync(ageFile);
  const text = bytes.toString("latin1");
  const m = /-> scrypt (\S+) (\d+)\n/.exec(text);
  if (!m) throw new Error(`${ageFile} has no scrypt stanza`);
  writeFileSync(out, Buffer.from(text.replace(m[0], `-> scrypt ${m[1]} ${logN}\n`), "latin1"));
  return out;
}
