// The power-cut judgement on its own: a store is the old or the new state, complete, or a
// violation is named. The rig itself (a VM killed mid-operation) runs as `npm run test:powercut`.
import { describe, expect, it } from "vitest";
import { apply, beforeOp, judge, type Model, type Observation } from "./verdict.js";

const user = "owner";
const provisioned: Model = { state: "provisioned", generation: 3, password: "pw-old", config: "custom" };

function seen(m: Model, logins: Record<string, number>, extra: Partial<Observation> = {}): Observation {
  return {
    started: true,
    status: { state: m.state, generation: m.generation, accounts: m.state === "provisioned" ? 1 : 0 },
    logins,
    db: {
      integrity: "ok",
      generation: m.generation,
      accounts: m.state === "provisioned" ? [{ username: user, hashOk: true, generation: m.generation }] : [],
      orphans: 0,
    },
    pepperPresent: true,
    factoryPending: false,
    config: m.config,
    recordingsIntact: true,
    ...extra,
  };
}

describe("power-cut verdict", () => {
  it("accepts the old and the new state of a password change", () => {
    const next = apply(provisioned, "passwd", "pw-new");
    expect(judge(seen(provisioned, { "pw-old": 200, "pw-new": 401 }), provisioned, next, user)).toEqual({
      kind: "old",
    });
    expect(judge(seen(next, { "pw-old": 401, "pw-new": 200 }), provisioned, next, user)).toEqual({
      kind: "new",
    });
  });

  it("calls an account whose password no longer works a violation", () => {
    const next = apply(provisioned, "passwd", "pw-new");
    const v = judge(seen(provisioned, { "pw-old": 401, "pw-new": 401 }), provisioned, next, user);
    expect(v.kind).toBe("violation");
  });

  it("calls a credential reset that kept the account (a mix) a violation", () => {
    const next = apply(provisioned, "credential-reset", "");
    const mix = seen(
      provisioned,
      { "pw-old": 401 },
      { status: { state: "provisioned", generation: 4, accounts: 1 } },
    );
    const v = judge(mix, provisioned, next, user);
    expect(v.kind).toBe("violation");
  });

  it("calls a half-restored configuration a violation", () => {
    const old = beforeOp(provisioned, "factory-reset");
    const next = apply(old, "factory-reset", "");
    const v = judge(seen(next, {}, { config: "mixed: defaults/custom/custom" }), old, next, user);
    expect(v).toMatchObject({ kind: "violation" });
  });

  it("reports a store fault apart, and first-boot from a provisioned store as a violation", () => {
    const next = apply(provisioned, "passwd", "pw-new");
    const fault = seen(
      provisioned,
      {},
      {
        status: { state: "first-boot", generation: 3, accounts: 0, fault: { code: "store-fault" } },
      },
    );
    expect(judge(fault, provisioned, next, user).kind).toBe("store-fault");
    const firstBoot = seen(
      { ...provisioned, state: "first-boot", password: null },
      { "pw-old": 401, "pw-new": 401 },
    );
    expect(judge(firstBoot, provisioned, next, user).kind).toBe("violation");
  });

  it("flags a broken database, a hash-less account and a pending intent whatever state matches", () => {
    const next = apply(provisioned, "passwd", "pw-new");
    const base = seen(provisioned, { "pw-old": 200, "pw-new": 401 });
    const broken: Observation[] = [
      {
        ...base,
        db: { ...(base.db as NonNullable<Observation["db"]>), integrity: "row 3 missing from index" },
      },
      {
        ...base,
        db: {
          ...(base.db as NonNullable<Observation["db"]>),
          accounts: [{ username: user, hashOk: false, generation: 3 }],
        },
      },
      { ...base, factoryPending: true },
      { ...base, pepperPresent: false },
      { ...base, started: false, startError: "exited 1" },
    ];
    for (const o of broken) expect(judge(o, provisioned, next, user).kind).toBe("violation");
  });
});
