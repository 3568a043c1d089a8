// Issue 12: passwords long enough for the length rule but derived from weak material. These
// checks see through the usual disguises (case, separators, digits, repeats, leetspeak) and
// recognise keyboard walks. Pure functions of the password text.
import { deleet, lettersOf, repeatedUnit } from "./text.js";

/**
 * C0 and C1 control characters (NUL, BEL, TAB, newlines...) and the bidirectional overrides
 * that make a password display differently from what it is: they cannot be typed reliably on a
 * recorder's keyboard or a phone, and a NUL truncates the password in C code downstream.
 */
const CONTROL = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

export function hasControlCharacter(pw: string): boolean {
  return CONTROL.test(pw);
}

/**
 * The cores of a password once its disguises are stripped: letters only, and letters after
 * leetspeak decoding, each also reduced to its repeated unit ("Dragon2024Dragon2024" → "dragon",
 * "Adm1nAdm1n!!" → "admin"). The policy checks each against its lists.
 */
export function skeletons(pw: string): string[] {
  const out = new Set<string>();
  for (const base of [lettersOf(pw), deleet(pw)]) {
    if (base.length === 0) continue;
    out.add(base);
    const unit = repeatedUnit(base);
    if (unit !== null) out.add(unit);
    // Doubled letters squeezed ("looooove" → "love").
    out.add(base.replace(/(.)\1+/g, "$1"));
  }
  return [...out].filter((s) => s.length > 0);
}

/** Digits-only (with separators) passwords whose digits only repeat a unit: "666666-666666-666". */
export function repeatedDigits(pw: string): boolean {
  if (/\p{L}/u.test(pw)) return false;
  const digits = pw.replace(/[^0-9]/g, "");
  return digits.length >= 4 && repeatedUnit(digits) !== null;
}

const ROWS = ["1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./"];
const SHIFTED: Record<string, string> = {
  "!": "1",
  "@": "2",
  "#": "3",
  $: "4",
  "%": "5",
  "^": "6",
  "&": "7",
  "*": "8",
  "(": "9",
  ")": "0",
  _: "-",
  "+": "=",
  "{": "[",
  "}": "]",
  "|": "\\",
  ":": ";",
  '"': "'",
  "<": ",",
  ">": ".",
  "?": "/",
};
const KEY = new Map<string, [number, number]>();
for (const [r, row] of ROWS.entries()) for (const [c, ch] of [...row].entries()) KEY.set(ch, [r, c]);

function keyOf(ch: string): [number, number] | undefined {
  const lower = ch.toLowerCase();
  return KEY.get(SHIFTED[lower] ?? lower);
}

/** Neighbours on a US/UK QWERTY keyboard (rows staggered: a key touches two in the row below). */
function adjacent(a: string, b: string): boolean {
  const ka = keyOf(a);
  const kb = keyOf(b);
  if (!ka || !kb) return false;
  const dr = kb[0] - ka[0];
  const dc = kb[1] - ka[1];
  if (dr === 0) return Math.abs(dc) === 1;
  if (dr === 1) return dc === 0 || dc === -1 || dc === 1;
  if (dr === -1) return dc === 0 || dc === 1 || dc === -1;
  return false;
}

/**
 * A keyboard walk: at least 80% of the characters sit in runs of three or more neighbouring
 * keys ("qwertyuiop", "1qaz2wsx3edc", "zxcvbnm,./", "Qwerty123456789!").
 */
export function isKeyboardWalk(pw: string): boolean {
  const chars = [...pw];
  if (chars.length < 8) return false;
  let covered = 0;
  let run = 1;
  for (let i = 1; i <= chars.length; i++) {
    if (i < chars.length && adjacent(chars[i - 1] as string, chars[i] as string)) {
      run++;
      continue;
    }
    if (run >= 3) covered += run;
    run = 1;
  }
  return covered >= 0.8 * chars.length;
}
