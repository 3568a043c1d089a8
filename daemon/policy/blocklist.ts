// Mozilla's common-password list (fxa-common-password-list: the 50,000 most common passwords of
// at least 8 characters from a 10-million-password corpus, lower-cased). It costs ~50 ms and
// ~10 MB to load, so it is loaded on the first password check, never at start.
import { createRequire } from "node:module";

interface CommonPasswordList {
  test(password: string): boolean;
}

let list: CommonPasswordList | undefined;

function load(): CommonPasswordList {
  if (!list) {
    const require = createRequire(import.meta.url);
    list = require("fxa-common-password-list") as CommonPasswordList;
  }
  return list;
}

/** The list holds lower-case entries only; callers pass lower-cased candidates. */
export function isCommonPassword(lowerCased: string): boolean {
  return load().test(lowerCased);
}

export function blocklistLoaded(): boolean {
  return list !== undefined;
}
