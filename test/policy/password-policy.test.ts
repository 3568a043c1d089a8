import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PasswordPolicyError, ValidationError } from "../../daemon/errors.js";
import { blocklistLoaded } from "../../daemon/policy/blocklist.js";
import { checkPassword, type PolicyContext, passwordProblem } from "../../daemon/policy/password-policy.js";
import { builtFrom, deleet, isSequence, repeatedUnit } from "../../daemon/policy/text.js";

const opts = { minLength: 15 };
const ctx = {
  username: "frontdesk",
  deviceId: "DS-7608NI-K2-20240101AAWRJ12345678",
  model: "DS-7608NI-K2",
  brand: "Hikvision",
};
const reason = (pw: string, o = opts, c: PolicyContext = ctx) => passwordProblem(pw, o, c);

describe("password policy", () => {
  it("does not load the blocklist before a password is checked", async () => {
    // This file's own module graph imported the policy above without checking anything yet.
    expect(blocklistLoaded()).toBe(false);
    checkPassword("a-long-enough-unusual-phrase", opts);
    expect(blocklistLoaded()).toBe(true);
  });

  it.each([
    "1234",
    "12345",
    "123456",
    "888888",
    "666666",
    "admin",
    "q",
    "admin@4k",
    "456789",
    "7ujMko0admin",
  ])("refuses the vendor default %s as vendor_default", (pw) => {
    expect(reason(pw)).toBe("vendor_default");
  });

  it.each([
    "Hikvision@2024!!",
    "admin123456789012",
    "Password!2024-2025",
    "P@ssw0rd-2024-2025",
    "adminadminadmin!",
    "xmhdipc-xmhdipc-1",
  ])("refuses %s as built from vendor defaults", (pw) => {
    expect(reason(pw)).toBe("vendor_default");
  });

  it("refuses the username, the serial, the model and names built from them as context", () => {
    expect(reason("frontdesk")).toBe("context");
    expect(reason("FrontDesk2024!!!!!")).toBe("context");
    expect(reason("frontdeskfrontdesk")).toBe("context");
    expect(reason("fr0ntd3sk-123456789")).toBe("context");
    expect(reason(ctx.deviceId)).toBe("context");
    expect(reason("my-recorder-DS7608NIK2")).toBe("context");
    expect(reason("20240101-20240101-")).toBe("context");
  });

  it("refuses a password one character short with too_short and names the minimum", () => {
    const fourteen = "violet-canyon-";
    expect(fourteen).toHaveLength(14);
    let err: unknown;
    try {
      checkPassword(fourteen, opts, ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PasswordPolicyError);
    expect((err as PasswordPolicyError).reason).toBe("too_short");
    expect((err as PasswordPolicyError).message).toMatch(/15/);
    expect((err as PasswordPolicyError).status).toBe(400);
  });

  it("honours a configured minimum down to 8", () => {
    expect(reason("pelican-drum", { minLength: 8 })).toBeNull();
    expect(reason("pelican-drum", { minLength: 15 })).toBe("too_short");
  });

  it.each(["qwertyuiopasdfgh", "1qaz2wsx3edc4rfv"])("refuses the keyboard walk %s", (pw) => {
    expect(reason(pw)).toBe("keyboard_walk");
  });

  it.each(["sunshine2024!!!!!!", "iloveyou12345678", "trustno1trustno1"])(
    "refuses the common password %s",
    (pw) => {
      expect(reason(pw)).toBe("common");
    },
  );

  it("refuses a digit-row run as a keyboard walk", () => {
    expect(reason("123456789012345678", opts, {})).toBe("keyboard_walk");
  });

  it.each(["aaaaaaaaaaaaaaaaaa", "abcabcabcabcabcabc", "zyxwvutsrqponmlkji"])(
    "refuses repetitive or sequential %s as common",
    (pw) => {
      expect(reason(pw, opts, {})).toBe("common");
    },
  );

  it("accepts strong passwords of 15+ characters, 64 and more, without composition rules", () => {
    expect(reason("quiet harbor lantern")).toBeNull();
    expect(reason("correct horse battery staple")).toBeNull();
    expect(reason("ünïcödé-pässwörd-✓-ok")).toBeNull();
    expect(reason("all lower case words only here")).toBeNull();
    const sixtyFour = "river stone maple echo ".repeat(3).slice(0, 64);
    expect(sixtyFour).toHaveLength(64);
    expect(reason(sixtyFour)).toBeNull();
    expect(reason("x7Kp2mQ9vL4wR8tZ3nB6cF1hJ5dG0sY".repeat(4))).toBeNull();
  });

  it("never truncates: a too-long password is refused whole, with too_long", () => {
    expect(reason("a-b-c-d-e-f-g-h-".repeat(20))).toBe("too_long");
  });

  it("counts code points, not UTF-16 units", () => {
    const emoji = "🐢🐇🦊🦉🐝🦋🐙🦀🐬🦒🦓🐘🦔🐿";
    expect([...emoji]).toHaveLength(14);
    expect(reason(emoji)).toBe("too_short");
    expect(reason(`${emoji}🦜`)).toBeNull();
  });

  it("refuses a non-string with a ValidationError", () => {
    expect(() => checkPassword(42, opts)).toThrow(ValidationError);
  });

  it("accepts random long passwords over an unusual alphabet (property)", () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(..."bcfghjkmnpqrtvwxyzBCDFGHJKLMNPQRTVWXYZ"),
          minLength: 18,
          maxLength: 60,
        }),
        (pw) => {
          fc.pre(repeatedUnit(pw.toLowerCase()) === null && !isSequence(pw.toLowerCase()));
          expect(reason(pw, opts, {})).toBeNull();
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("policy text helpers", () => {
  it("sees words a password is built from, with at most a few spare letters", () => {
    const words = new Set(["admin", "alice"]);
    expect(builtFrom("adminalice", words, 0)).toBe(true);
    expect(builtFrom("admink", words, 1)).toBe(true);
    expect(builtFrom("admiralsunset", words, 2)).toBe(false);
    expect(builtFrom("xy", words, 2)).toBe(false);
  });

  it("undoes common substitutions", () => {
    expect(deleet("P@ssw0rd!")).toBe("passwordi");
    expect(deleet("fr0ntd3sk-123456")).toBe("frontdesk");
  });

  it("finds repeated units and sequences", () => {
    expect(repeatedUnit("abcabcab")).toBe("abc");
    expect(repeatedUnit("abcd")).toBeNull();
    expect(isSequence("7890123")).toBe(true);
    expect(isSequence("3210987")).toBe(true);
    expect(isSequence("1357")).toBe(false);
  });
});
