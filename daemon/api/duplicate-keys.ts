// JSON.parse keeps the last of duplicate keys, so `{"username":"a","username":"b"}` means "b" to
// us and maybe "a" to a proxy or a log reader in front of us. Bodies with a duplicate key are
// refused instead (issue 12). Runs on text JSON.parse already accepted, so it can be a scanner.

/** The first key that occurs twice in one object (decoded, so `"a"` and `"\u0061"` are one), or null. */
export function firstDuplicateKey(text: string): string | null {
  // One entry per open container: a Set of keys for an object, null for an array.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      const end = stringEnd(text, i);
      const top = stack.at(-1);
      if (expectKey && top) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.has(key)) return key;
        top.add(key);
        expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (c === "{") {
      stack.push(new Set());
      expectKey = true;
    } else if (c === "[") {
      stack.push(null);
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === ",") {
      expectKey = stack.at(-1) instanceof Set;
    }
    i++;
  }
  return null;
}

/** Index of the closing quote of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\") i += 2;
    else if (c === '"') return i;
    else i++;
  }
  return text.length - 1;
}
