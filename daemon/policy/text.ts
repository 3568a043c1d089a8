// Small text transforms the password policy uses to see through cosmetic changes.

export function normalizePassword(password: string): string {
  // NIST SP 800-63B: normalize Unicode so the same password typed on another keyboard matches.
  return password.normalize("NFKC");
}

/** Length in code points, as NIST counts it (an emoji is one character). */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function lettersOf(s: string): string {
  return s.toLowerCase().replace(/[^\p{L}]/gu, "");
}

export function alnumOf(s: string): string {
  return s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

export function digitsOf(s: string): string {
  return s.replace(/[^0-9]/g, "");
}

const LEET: Record<string, string> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "@": "a",
  $: "s",
  "!": "i",
};
const LEET_RUN = /[\p{L}013457@$!]+/gu;

/**
 * "P@ssw0rd" → "password", "fr0ntd3sk-2024" → "frontdesk": the letters a substitution-minded
 * user meant. Only runs that hold a real letter are decoded, so plain numbers stay numbers.
 */
export function deleet(s: string): string {
  const runs = s.toLowerCase().match(LEET_RUN) ?? [];
  return runs
    .filter((run) => /\p{L}/u.test(run))
    .map((run) => [...run].map((c) => LEET[c] ?? c).join(""))
    .join("");
}

/**
 * Can `s` be cut into words of `words`, with at most `spare` letters left over? This is what
 * "built from" means: "adminadmin", "hikvisionx" and "alicealice" are, "admiralsunset" is not.
 */
export function builtFrom(s: string, words: ReadonlySet<string>, spare: number): boolean {
  if (s.length === 0 || words.size === 0) return false;
  const lengths = [...new Set([...words].map((w) => w.length))].filter((l) => l > 0);
  // fewest[i]: fewest leftover letters needed to cover s[0..i) with words.
  const fewest = new Array<number>(s.length + 1).fill(Number.POSITIVE_INFINITY);
  fewest[0] = 0;
  for (let i = 0; i < s.length; i++) {
    const here = fewest[i] ?? Number.POSITIVE_INFINITY;
    if (here === Number.POSITIVE_INFINITY) continue;
    fewest[i + 1] = Math.min(fewest[i + 1] ?? Number.POSITIVE_INFINITY, here + 1);
    for (const l of lengths) {
      if (i + l <= s.length && words.has(s.slice(i, i + l))) {
        fewest[i + l] = Math.min(fewest[i + l] ?? Number.POSITIVE_INFINITY, here);
      }
    }
  }
  const left = fewest[s.length] ?? Number.POSITIVE_INFINITY;
  // left < length: at least one word was used.
  return left <= spare && left < s.length;
}

/** The shortest unit that `s` repeats at least twice ("abcabcab" → "abc"), or null. */
export function repeatedUnit(s: string): string | null {
  for (let len = 1; len <= s.length / 2; len++) {
    const unit = s.slice(0, len);
    let ok = true;
    for (let i = len; i < s.length && ok; i++) ok = s[i] === unit[i % len];
    if (ok) return unit;
  }
  return null;
}

/** "123456789012", "9876543210", "abcdefgh": every step is +1 or every step is -1. */
export function isSequence(s: string): boolean {
  const chars = [...s];
  if (chars.length < 3) return false;
  const first = step(chars[0] ?? "", chars[1] ?? "");
  if (first !== 1 && first !== -1) return false;
  for (let i = 2; i < chars.length; i++) if (step(chars[i - 1] ?? "", chars[i] ?? "") !== first) return false;
  return true;
}

/** +1 or -1 for neighbours; digits wrap around (…8, 9, 0, 1…) as on a keypad row. */
function step(a: string, b: string): number {
  const d = (b.codePointAt(0) ?? 0) - (a.codePointAt(0) ?? 0);
  if (/^\d$/.test(a) && /^\d$/.test(b)) {
    const m = (d + 10) % 10;
    return m === 1 ? 1 : m === 9 ? -1 : 0;
  }
  return d;
}
