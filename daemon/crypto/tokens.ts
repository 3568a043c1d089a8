// Bearer secrets: 256 random bits, shown once to their owner, stored only as SHA-256.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const TOKEN_BYTES = 32;

/** Prefixes tell the kinds apart (and let secret scanners spot a leaked one). */
export const TOKEN_PREFIX = { session: "rds_", apiToken: "rdt_", setup: "rdu_" } as const;

export function newToken(prefix: string): string {
  return prefix + randomBytes(TOKEN_BYTES).toString("base64url");
}

export function tokenHash(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
