// Issue 11: credentials.state, what the store last acknowledged, judged against the database.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { judgeStore, readStoreMarker, writeStoreMarker } from "../../daemon/store/state-marker.js";
import { makeTempDir } from "../helpers/credentials.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function dir(): string {
  const t = makeTempDir("recoveryd-marker-");
  cleanups.push(t.cleanup);
  return t.dir;
}

describe("store state marker", () => {
  it("round-trips, and a flipped byte or foreign content reads as damaged", () => {
    const d = dir();
    expect(readStoreMarker(d)).toEqual({ kind: "absent" });
    writeStoreMarker(d, { generation: 3, provisioned: true, everProvisioned: true });
    expect(readStoreMarker(d)).toEqual({
      kind: "ok",
      marker: { generation: 3, provisioned: true, everProvisioned: true },
    });
    writeFileSync(
      path.join(d, "credentials.state"),
      '{"v":1,"generation":4,"provisioned":true,"everProvisioned":true,"sum":"00"}',
    );
    expect(readStoreMarker(d).kind).toBe("damaged");
    writeFileSync(path.join(d, "credentials.state"), "");
    expect(readStoreMarker(d).kind).toBe("damaged");
  });

  it("judges the database: behind or emptied is a fault, ahead or equal is fine", () => {
    const ok = (generation: number, provisioned: boolean, everProvisioned = provisioned) =>
      ({ kind: "ok", marker: { generation, provisioned, everProvisioned } }) as const;
    expect(judgeStore({ kind: "absent" }, null)).toBeNull();
    expect(judgeStore({ kind: "absent" }, { generation: 1, provisioned: false })).toBeNull();
    expect(judgeStore(ok(1, false), null)).toBeNull(); // never had an owner: nothing to lose
    expect(judgeStore(ok(2, false, true), null)).toMatch(/missing or empty/);
    expect(judgeStore(ok(2, true), { generation: 2, provisioned: false })).toMatch(/lost its accounts/);
    expect(judgeStore(ok(3, false, true), { generation: 2, provisioned: true })).toMatch(/behind/);
    expect(judgeStore(ok(2, false, true), { generation: 3, provisioned: false })).toBeNull(); // crash before marker
    expect(judgeStore(ok(2, false, true), { generation: 2, provisioned: true })).toBeNull();
    expect(judgeStore({ kind: "damaged", detail: "x" }, { generation: 9, provisioned: true })).toMatch(
      /damaged/,
    );
  });
});
