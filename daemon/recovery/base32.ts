// RFC 4648 base32 (SPEC 8.2): upper-case alphabet, no padding. Decoding forgives what people do
// when they read a code off a sticker or over the phone (spaces, dashes, lower case) but nothing
// else: a wrong character or an impossible length is a Base32Error, never a silent guess.
import { Base32Error } from "./errors.js";

export const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

const VALUE = new Map<string, number>([...BASE32_ALPHABET].map((ch, i) => [ch, i]));

export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = ((acc << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(acc >> bits) & 31];
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/** Upper case, spaces/dashes (and any padding) removed. Does not check the alphabet. */
export function base32Normalize(text: string): string {
  return text
    .replace(/[\s-]+/g, "")
    .replace(/=+$/, "")
    .toUpperCase();
}

export function base32Decode(text: string): Buffer {
  const clean = base32Normalize(text);
  // 1, 3 or 6 trailing characters can never come out of an encoder.
  if ([1, 3, 6].includes(clean.length % 8)) {
    throw new Base32Error(`base32 text of ${clean.length} characters is truncated or too long`);
  }
  const out = Buffer.alloc(Math.floor((clean.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const [i, ch] of [...clean].entries()) {
    const v = VALUE.get(ch);
    // The character itself is not echoed: the text may be a secret code.
    if (v === undefined) throw new Base32Error(`character ${i + 1} is not a base32 letter (A-Z, 2-7)`);
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  // Canonical form only: leftover bits must be zero, so each byte string has exactly one spelling.
  if ((acc & ((1 << bits) - 1)) !== 0) throw new Base32Error("base32 text has non-zero trailing bits");
  return out;
}

/** "ABCDEFGHIJKLMNOP" → "ABCD-EFGH-IJKL-MNOP" (sticker and phone readability). */
export function groupsOf(text: string, size: number, sep = "-"): string {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts.join(sep);
}
