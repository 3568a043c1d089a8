// The grouped challenge: round trip, and every single misheard character, every swap of two
// neighbours and every skipped group is caught and named (exhaustive over one real challenge).
import { describe, expect, it } from "vitest";
import { BASE32_ALPHABET } from "../../daemon/recovery/base32.js";
import {
  formatGroupedChallenge,
  groupChallenge,
  looksGrouped,
  ungroupChallenge,
} from "../../daemon/recovery/challenge-groups.js";

// A challenge of the shipped test key for device NVR8-2026-000042 (82 characters; 88 for a
// 20-character device id).
const CHALLENGE = "AEDSKBIDDWW32B7VWRHPY4CAFUOECZIP45IA2SVVYCS4CZGGKX44UAYQJZLFEOBNGIYDENRNGAYDAMBUGI";

describe("grouped unlock challenge", () => {
  it("groups of 4 plus a check character, six groups a line, and back", () => {
    const groups = groupChallenge(CHALLENGE);
    expect(groups.every((g, i) => g.length === 5 || i === groups.length - 1)).toBe(true);
    expect(groups.map((g) => g.slice(0, -1)).join("")).toBe(CHALLENGE);
    const lines = formatGroupedChallenge(CHALLENGE);
    expect(lines[0]?.split(" ")).toHaveLength(6);
    const typed = lines.join("\n");
    expect(looksGrouped(typed)).toBe(true);
    expect(ungroupChallenge(typed)).toBe(CHALLENGE);
    expect(ungroupChallenge(typed.toLowerCase().replaceAll(" ", "-"))).toBe(CHALLENGE);
    expect(looksGrouped(CHALLENGE)).toBe(false);
  });

  it("every single wrong character is caught, naming its group", () => {
    const groups = groupChallenge(CHALLENGE);
    let tried = 0;
    for (const [gi, g] of groups.entries()) {
      for (let pos = 0; pos < g.length; pos++) {
        for (const ch of BASE32_ALPHABET) {
          if (ch === g[pos]) continue;
          const bad = [...groups];
          bad[gi] = g.slice(0, pos) + ch + g.slice(pos + 1);
          expect(() => ungroupChallenge(bad.join(" "))).toThrow(`group ${gi + 1} (`);
          tried++;
        }
      }
    }
    expect(tried).toBeGreaterThan(3000);
  });

  it("a swap of two neighbours within a group, and a skipped group, are caught", () => {
    const groups = groupChallenge(CHALLENGE);
    for (const [gi, g] of groups.entries()) {
      for (let pos = 0; pos + 1 < g.length; pos++) {
        if (g[pos] === g[pos + 1]) continue;
        const bad = [...groups];
        bad[gi] = g.slice(0, pos) + g[pos + 1] + g[pos] + g.slice(pos + 2);
        expect(() => ungroupChallenge(bad.join(" "))).toThrow(/does not check/);
      }
      if (gi < groups.length - 1) {
        const skipped = groups.filter((_, i) => i !== gi);
        expect(() => ungroupChallenge(skipped.join(" "))).toThrow(/does not check/);
      }
    }
  });
});
