// What counts as a torn tail: the remains of the one entry being written when the power went.
//
// Each entry is appended with a single write of `line + "\n"`; a process crash (even kill -9) does
// not split a write to a regular file, but a power cut can leave a prefix of it, possibly followed
// by zero bytes (the file size reached the disk before the data). Such bytes are accepted only when
// they are exactly that: a proper prefix of the entry that was due next (its seq and prev are known,
// and they come first on the line), optionally followed by NULs, and never a complete object. Junk
// that does not fit, or a complete line whose newline was changed, is tampering.
import { linePrefix } from "./entry.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function isTornRemnant(remnant: Buffer, expectedSeq: number, expectedPrev: string): boolean {
  if (remnant.length === 0 || remnant.includes(0x0a)) return false;
  let end = remnant.length;
  while (end > 0 && remnant[end - 1] === 0) end--;
  const body = remnant.subarray(0, end);
  if (body.includes(0)) return false;
  const head = Buffer.from(linePrefix(expectedSeq, expectedPrev), "utf8");
  if (body.length <= head.length) return head.subarray(0, body.length).equals(body);
  if (!body.subarray(0, head.length).equals(head)) return false;
  return !closesObject(body);
}

/** True when the top-level object (or any closing bracket at depth 0) ends within `bytes`. */
function closesObject(bytes: Buffer): boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (const b of bytes) {
    if (inString) {
      if (escaped) escaped = false;
      else if (b === BACKSLASH) escaped = true;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (b === QUOTE) inString = true;
    else if (b === 0x7b || b === 0x5b) depth++;
    else if (b === 0x7d || b === 0x5d) {
      depth--;
      if (depth <= 0) return true;
    }
  }
  return false;
}
