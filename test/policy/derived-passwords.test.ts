// Issue 12, finding 4: 10 of 12 derived passwords of 15+ characters were accepted. The lists in
// test/fixtures/policy/derived-passwords.json name the rule that must refuse each weak one; the
// strong passphrases must all pass, strength estimator included.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { passwordProblem } from "../../daemon/policy/password-policy.js";

const data = JSON.parse(
  readFileSync(path.join(import.meta.dirname, "../fixtures/policy/derived-passwords.json"), "utf8"),
) as { context: Record<string, string>; weak: { password: string; rule: string }[]; strong: string[] };
const opts = { minLength: 15, minGuessesLog10: 10 };

describe("derived passwords", () => {
  it("has at least 30 of each", () => {
    expect(data.weak.length).toBeGreaterThanOrEqual(30);
    expect(data.strong.length).toBeGreaterThanOrEqual(30);
    for (const w of data.weak) expect([...w.password].length).toBeGreaterThanOrEqual(15);
  });

  it.each(data.weak)("refuses $password by $rule", ({ password, rule }) => {
    expect(passwordProblem(password, opts, data.context)).toBe(rule);
  });

  it.each(data.strong)("accepts %s", (password) => {
    expect(passwordProblem(password, opts, data.context)).toBeNull();
  });
});
