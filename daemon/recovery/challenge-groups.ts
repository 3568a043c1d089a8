// The 88-character unlock challenge, grouped for reading aloud over the phone: groups of four
// challenge characters plus one check character (Luhn mod 32 over the group's position and its
// characters), so support's tool names the group that was misheard instead of answering with a
// code that will not work. The wire format (--json, the API) stays the bare base32 string.
import { BASE32_ALPHABET as ALPHABET } from "./base32.js";
import { WireFormatError } from "./errors.js";

const DATA_PER_GROUP = 4;
const GROUPS_PER_LINE = 6;

/** Luhn mod N (N = 32): catches every single-character error and adjacent transposition. */
function luhnCheck(chars: string): string {
  let factor = 2;
  let sum = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    let addend = factor * ALPHABET.indexOf(chars[i] as string);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / 32) + (addend % 32);
    sum += addend;
  }
  return ALPHABET[(32 - (sum % 32)) % 32] as string;
}

/** The group's position takes part in its check, so a skipped or repeated group is caught too. */
function checkFor(index: number, data: string): string {
  return luhnCheck(`${ALPHABET[index % 32]}${data}`);
}

export function groupChallenge(challenge: string): string[] {
  const groups: string[] = [];
  for (let i = 0; i * DATA_PER_GROUP < challenge.length; i++) {
    const data = challenge.slice(i * DATA_PER_GROUP, (i + 1) * DATA_PER_GROUP);
    groups.push(`${data}${checkFor(i, data)}`);
  }
  return groups;
}

/** Lines of six groups, for printing. */
export function formatGroupedChallenge(challenge: string): string[] {
  const groups = groupChallenge(challenge);
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += GROUPS_PER_LINE)
    lines.push(groups.slice(i, i + GROUPS_PER_LINE).join(" "));
  return lines;
}

/**
 * True when the input looks like the grouped form: two or more groups separated by spaces or
 * dashes, every one five characters but the last (two to five).
 */
export function looksGrouped(input: string): boolean {
  const tokens = input
    .trim()
    .split(/[\s-]+/)
    .filter(Boolean);
  if (tokens.length < 2) return false;
  const last = tokens[tokens.length - 1] as string;
  return tokens.slice(0, -1).every((t) => t.length === 5) && last.length >= 2 && last.length <= 5;
}

/** The bare challenge from its grouped form; names the first group whose check fails. */
export function ungroupChallenge(input: string): string {
  const tokens = input
    .trim()
    .toUpperCase()
    .split(/[\s-]+/)
    .filter(Boolean);
  let out = "";
  for (const [i, t] of tokens.entries()) {
    if (!/^[A-Z2-7]+$/.test(t))
      throw new WireFormatError("unlock challenge", `group ${i + 1} (${t}) has a character outside A-Z, 2-7`);
    const data = t.slice(0, -1);
    if (checkFor(i, data) !== t.slice(-1))
      throw new WireFormatError("unlock challenge", `group ${i + 1} (${t}) does not check: read it again`);
    out += data;
  }
  return out;
}
