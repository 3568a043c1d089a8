// The line format, the torn-tail rule and the rotation plan, in isolation.
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  linePrefix,
  parseEntryLine,
  sealEntry,
  serializeEntry,
  ZERO_HASH,
} from "../../daemon/audit/entry.js";
import { prepareFields } from "../../daemon/audit/fields.js";
import { planShift } from "../../daemon/audit/rotate.js";
import { isTornRemnant } from "../../daemon/audit/torn.js";

const entry = sealEntry({
  seq: 7,
  prev: "a".repeat(64),
  at: "2026-01-01T00:00:00.000Z",
  event: "press",
  fields: { tier: "credential", durationMs: 5123, boot: false, note: "é ✓" },
});
const line = Buffer.from(serializeEntry(entry), "utf8");

describe("entry line", () => {
  it("is canonical JSON whose hash covers everything but the hash", () => {
    expect(line.toString()).toMatch(
      /^\{"seq":7,"prev":"a{64}","at":"[^"]+","event":"press","fields":\{"boot"/,
    );
    const parsed = parseEntryLine(line);
    expect(parsed).toEqual({ ok: true, entry });
  });

  it("sorts keys at every depth", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("refuses a line that means the same but is not byte-identical", () => {
    const variants = [
      line.toString().replace('"seq":7,', '"seq": 7,'), // whitespace
      line.toString().replace('"tier":"credential"', '"tier":"cr\\u0065dential"'), // escape
      `${line.toString()} `, // trailing space (JSON.parse would accept it)
      line.toString().replace(`"hash":"${entry.hash}"`, `"hash":"${entry.hash.toUpperCase()}"`),
    ];
    for (const v of variants) {
      const p = parseEntryLine(Buffer.from(v));
      expect(p.ok, v).toBe(false);
    }
  });

  it("refuses an edited value even with valid JSON, and reports the seq", () => {
    const edited = Buffer.from(line.toString().replace('"durationMs":5123', '"durationMs":1500'));
    expect(parseEntryLine(edited)).toMatchObject({
      ok: false,
      seq: 7,
      problem: expect.stringMatching(/hash/),
    });
  });

  it("refuses a corrupted multi-byte character", () => {
    const bad = Buffer.from(line);
    const at = bad.indexOf(Buffer.from("é"));
    bad[at + 1] = 0x41;
    expect(parseEntryLine(bad).ok).toBe(false);
  });
});

describe("torn tail", () => {
  const next = sealEntry({
    seq: 8,
    prev: entry.hash,
    at: entry.at,
    event: "reset",
    fields: { reason: "button" },
  });
  const full = Buffer.from(serializeEntry(next));

  it("accepts every proper prefix of the entry that was due next", () => {
    for (let n = 1; n < full.length; n++) {
      expect(isTornRemnant(full.subarray(0, n), 8, entry.hash), `cut at ${n}`).toBe(true);
    }
  });

  it("accepts a prefix followed by zero bytes, or zero bytes alone", () => {
    expect(isTornRemnant(Buffer.concat([full.subarray(0, 40), Buffer.alloc(100)]), 8, entry.hash)).toBe(true);
    expect(isTornRemnant(Buffer.alloc(512), 8, entry.hash)).toBe(true);
  });

  it("refuses a complete entry, junk, another seq or prev, and zero bytes inside", () => {
    expect(isTornRemnant(full, 8, entry.hash)).toBe(false);
    expect(isTornRemnant(Buffer.concat([full, Buffer.from("x")]), 8, entry.hash)).toBe(false);
    expect(isTornRemnant(Buffer.concat([full, Buffer.alloc(1)]), 8, entry.hash)).toBe(false);
    expect(isTornRemnant(Buffer.from("garbage"), 8, entry.hash)).toBe(false);
    expect(isTornRemnant(full.subarray(0, 90), 9, entry.hash)).toBe(false);
    expect(isTornRemnant(full.subarray(0, 90), 8, ZERO_HASH)).toBe(false);
    const holed = Buffer.from(full.subarray(0, 90));
    holed[80] = 0;
    expect(isTornRemnant(holed, 8, entry.hash)).toBe(false);
    expect(linePrefix(8, entry.hash)).toBe(full.subarray(0, linePrefix(8, entry.hash).length).toString());
  });
});

describe("rotation plan", () => {
  it("drops the oldest and shifts the rest when full", () => {
    expect(planShift([0, 1, 2], 3)).toEqual({
      unlink: [2],
      renames: [
        [1, 2],
        [0, 1],
      ],
      survivors: [0, 1],
    });
  });

  it("only shifts while there is room", () => {
    expect(planShift([0, 1], 4)).toEqual({
      unlink: [],
      renames: [
        [1, 2],
        [0, 1],
      ],
      survivors: [0, 1],
    });
  });

  it("keepFiles 1 drops the current file, and leftovers beyond keepFiles go", () => {
    expect(planShift([0], 1)).toEqual({ unlink: [0], renames: [], survivors: [] });
    expect(planShift([0, 1, 2, 5], 3).unlink.sort()).toEqual([2, 5]);
  });

  it("re-planned after a crash at any step, yields exactly the remaining steps", () => {
    for (const keep of [2, 3, 5]) {
      for (let have = 1; have <= keep; have++) {
        const start = Array.from({ length: have }, (_, i) => i);
        const plan = planShift(start, keep);
        const steps: Array<(s: Set<number>) => void> = [
          ...plan.unlink.map((i) => (s: Set<number>) => void s.delete(i)),
          ...plan.renames.map(([from, to]) => (s: Set<number>) => {
            s.delete(from);
            s.add(to);
          }),
        ];
        const end = new Set(start);
        for (const step of steps) step(end);
        for (let done = 0; done <= steps.length; done++) {
          const state = new Set(start);
          for (const step of steps.slice(0, done)) step(state);
          // Re-planned with Infinity, as recovery does for the files that stay (it takes the drop
          // from the header's anchor, see rotation.test.ts): only the moves that were still due.
          const rest = planShift([...state], Number.POSITIVE_INFINITY);
          for (const [from, to] of rest.renames) {
            state.delete(from);
            state.add(to);
          }
          expect([...state].sort(), `keep ${keep} have ${have} crash after ${done}`).toEqual(
            done === 0 && plan.unlink.length > 0 ? [...start.map((i) => i + 1)].sort() : [...end].sort(),
          );
        }
      }
    }
  });
});

describe("fields", () => {
  it("redacts secrets, keeps JSON data and bounds the size", () => {
    expect(
      prepareFields({ username: "a", password: "p", n: 10n, at: new Date(0), nested: [{ token: "t" }] }),
    ).toEqual({
      username: "a",
      password: "[redacted]",
      n: "10",
      at: "1970-01-01T00:00:00.000Z",
      nested: [{ token: "[redacted]" }],
    });
    expect(prepareFields(undefined)).toEqual({});
    expect(prepareFields({ big: "x".repeat(5000) })).toEqual({ truncated: true, bytes: 5010, keys: ["big"] });
  });
});
