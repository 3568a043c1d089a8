// The age format (age-encryption.org/v1) through the age-encryption package, with one change:
// the passphrase (scrypt) stanza is computed with Node's asynchronous scrypt on the thread pool
// instead of the package's pure-JavaScript one, which would stop the event loop, and with it
// the reset button, for seconds. The stanza is byte-for-byte the one of the age spec, so the
// `age` CLI reads ours and we read its.
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from "node:crypto";
import type { Stanza } from "age-encryption";
import { BackupError } from "../errors.js";

/** 2^17: 128 MiB for scrypt, about half a second here. age's own default is 18 (256 MiB). */
export const EXPORT_LOG_N = 17;
/** Files from `age -p` use 18; more would need memory a recorder does not have. */
export const MAX_LOG_N = 18;
const LABEL = "age-encryption.org/v1/scrypt";
// Loaded on the first backup or restore, not at start: the package and its curve libraries cost
// about 10 ms of start-up that READY does not need (issue 14).
let ageModule: Promise<typeof import("age-encryption")> | undefined;
const loadAge = () => {
  ageModule ??= import("age-encryption");
  return ageModule;
};

/** Loads the package in the background (after READY), so the first backup does not wait for it. */
export function warmAge(): void {
  loadAge().catch(() => {});
}
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64").replace(/=+$/, "");

function scryptKey(passphrase: string, salt: Uint8Array, logN: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase.normalize("NFC"),
      Buffer.concat([Buffer.from(LABEL), salt]),
      32,
      { N, r: 8, p: 1, maxmem: 128 * N * 8 + 4 * 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

const NONCE = Buffer.alloc(12);

class NodeScryptRecipient {
  constructor(
    private readonly passphrase: string,
    private readonly logN: number,
  ) {}
  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const salt = randomBytes(16);
    const key = await scryptKey(this.passphrase, salt, this.logN);
    const c = createCipheriv("chacha20-poly1305", key, NONCE, { authTagLength: 16 });
    const body = Buffer.concat([c.update(fileKey), c.final(), c.getAuthTag()]);
    const { Stanza } = await loadAge();
    return [new Stanza(["scrypt", b64(salt), String(this.logN)], body)];
  }
}

class NodeScryptIdentity {
  constructor(private readonly passphrase: string) {}
  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    const s = stanzas.find((x) => x.args[0] === "scrypt");
    if (!s) return null;
    if (stanzas.length !== 1 || s.args.length !== 3 || !/^[1-9][0-9]?$/.test(s.args[2] as string))
      throw new BackupError("corrupt", "the archive's passphrase header is malformed");
    const logN = Number(s.args[2]);
    if (logN > MAX_LOG_N)
      throw new BackupError(
        "too_large",
        `the passphrase work factor 2^${logN} needs more memory than allowed (2^${MAX_LOG_N})`,
      );
    const salt = Buffer.from(s.args[1] as string, "base64");
    if (salt.length !== 16 || s.body.length !== 32)
      throw new BackupError("corrupt", "the archive's passphrase header is malformed");
    const key = await scryptKey(this.passphrase, salt, logN);
    const d = createDecipheriv("chacha20-poly1305", key, NONCE, { authTagLength: 16 });
    d.setAuthTag(s.body.subarray(16));
    try {
      return Buffer.concat([d.update(s.body.subarray(0, 16)), d.final()]);
    } catch {
      return null;
    }
  }
}

export interface AgeKey {
  passphrase?: string | undefined;
  /** `age1…` (export) */
  recipient?: string | undefined;
  /** `AGE-SECRET-KEY-1…` (restore) */
  identity?: string | undefined;
}

export async function ageEncrypt(plain: Uint8Array, key: AgeKey): Promise<Uint8Array> {
  const { Encrypter } = await loadAge();
  const e = new Encrypter();
  if (key.passphrase !== undefined) {
    if (key.passphrase.length < 8)
      throw new BackupError("weak_passphrase", "a backup passphrase needs at least 8 characters");
    e.addRecipient(new NodeScryptRecipient(key.passphrase, EXPORT_LOG_N));
  } else if (key.recipient !== undefined) {
    try {
      e.addRecipient(key.recipient.trim());
    } catch {
      throw new BackupError("bad_recipient", "the recipient is not an age public key (age1…)");
    }
  } else throw new BackupError("no_key", "give a passphrase or a recipient");
  return e.encrypt(plain);
}

export async function ageDecrypt(file: Uint8Array, key: AgeKey): Promise<Uint8Array> {
  const { Decrypter } = await loadAge();
  const d = new Decrypter();
  if (key.passphrase !== undefined) d.addIdentity(new NodeScryptIdentity(key.passphrase));
  else if (key.identity !== undefined) {
    const id = key.identity
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l.startsWith("AGE-SECRET-KEY-"));
    if (!id)
      throw new BackupError("bad_identity", "the identity is not an age secret key (AGE-SECRET-KEY-1…)");
    try {
      d.addIdentity(id);
    } catch {
      throw new BackupError("bad_identity", "the identity is not an age secret key (AGE-SECRET-KEY-1…)");
    }
  } else throw new BackupError("no_key", "give the passphrase or the identity of the backup");
  try {
    return await d.decrypt(file);
  } catch (err) {
    if (err instanceof BackupError) throw err;
    const msg = (err as Error).message ?? "";
    if (/no identity matched|incorrect/i.test(msg))
      throw new BackupError("wrong_key", "wrong passphrase or identity for this backup");
    throw new BackupError("corrupt", "the backup file is damaged or truncated (it does not decrypt)");
  }
}
