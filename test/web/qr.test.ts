// The page's QR encoder (web/src/qr.ts) read back by an independent decoder (jsQR) at every
// version it can choose, from a 1-character text to the longest, and the longest challenge.
import jsQR from "jsqr";
import { describe, expect, it } from "vitest";
import { qrModules } from "../../web/src/qr.js";

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function text(n: number, seed: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += B32.charAt((i * 7 + seed * 13 + ((i * i) % 5)) % 32);
  return s;
}

function decode(m: boolean[][]): string | null {
  const scale = 4;
  const n = (m.length + 8) * scale;
  const px = new Uint8ClampedArray(n * n * 4).fill(255);
  m.forEach((row, y) => {
    row.forEach((on, x) => {
      if (!on) return;
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++) {
          const o = (((y + 4) * scale + dy) * n + (x + 4) * scale + dx) * 4;
          px[o] = px[o + 1] = px[o + 2] = 0;
        }
    });
  });
  return jsQR(px, n, n)?.data ?? null;
}

describe("QR encoder", () => {
  // The largest text of each version 1..10 at level M, alphanumeric, and one more than version 9's.
  const lengths = [1, 20, 38, 61, 90, 122, 154, 159, 178, 221, 262, 263, 311];
  for (const n of lengths) {
    it(`${n} characters round-trip`, () => {
      const t = text(n, n);
      const m = qrModules(t);
      expect(decode(m)).toBe(t);
    });
  }

  it("picks the smallest version that fits and refuses what does not", () => {
    expect(qrModules(text(20, 1)).length).toBe(21);
    expect(qrModules(text(21, 1)).length).toBe(25);
    expect(qrModules(text(311, 1)).length).toBe(57);
    expect(() => qrModules(text(312, 1))).toThrow(/too long/);
    expect(() => qrModules("lower-case ok? no: ü")).toThrow(/alphanumeric/);
  });
});
