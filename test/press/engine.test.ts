import { describe, expect, it } from "vitest";
import { PressEngine } from "../../daemon/press/engine.js";
import { defaults, EngineRig } from "./helpers.js";

const { debounceMs, shortMaxMs, credentialMs, factoryMs, stuckMs, confirmWindowMs } = defaults;

describe("press engine: classification at every tier edge (±1 ms)", () => {
  const cases: [number, string, string | null][] = [
    [debounceMs, "short", "short"],
    [shortMaxMs - 1, "short", "short"],
    [shortMaxMs, "dead", null],
    [shortMaxMs + 1, "dead", null],
    [credentialMs - 1, "dead", null],
    [credentialMs, "credential", "credential-reset"],
    [credentialMs + 1, "credential", "credential-reset"],
    [factoryMs - 1, "credential", "credential-reset"],
    [factoryMs, "factory", null],
    [factoryMs + 1, "factory", null],
    [stuckMs - 1, "factory", null],
    [stuckMs, "stuck", null],
    [stuckMs + 1, "stuck", null],
  ];
  for (const [hold, tier, action] of cases) {
    it(`a ${hold} ms hold is ${tier}${action ? ` -> ${action}` : ""}`, () => {
      const rig = new EngineRig().press(hold);
      const [press] = rig.of("press");
      expect(press).toMatchObject({ tier, durationMs: hold, boot: false });
      expect(rig.actions()).toEqual(action ? [action] : []);
    });
  }

  it("factory holds wait for confirmation instead of acting", () => {
    const rig = new EngineRig().press(factoryMs);
    expect(rig.of("press")[0]).toMatchObject({ outcome: "await-confirm", action: "factory-reset" });
    expect(rig.of("confirm-wait")[0]).toMatchObject({ action: "factory-reset" });
    expect(rig.actions()).toEqual([]);
  });
});

describe("press engine: live feedback at every threshold (±1 ms)", () => {
  const thresholds: [number, string, string | null, string | null][] = [
    [shortMaxMs, "dead", "off", null],
    [credentialMs, "credential", "slow-blink", "beep"],
    [factoryMs, "factory", "fast-blink", "double-beep"],
    [stuckMs, "stuck", "on", "long-beep"],
  ];
  for (const [t, tier, led, buzzer] of thresholds) {
    it(`enters ${tier} at exactly ${t} ms, not at ${t - 1} ms`, () => {
      const rig = new EngineRig().edge(true).wait(t - 1);
      expect(rig.of("tier").map((e) => e.tier)).not.toContain(tier);
      rig.clear().wait(1);
      expect(rig.of("tier")).toEqual([expect.objectContaining({ tier, heldMs: t })]);
      expect(rig.of("led").map((e) => e.pattern)).toEqual([led]);
      expect(rig.of("buzzer").map((e) => e.pattern)).toEqual(buzzer ? [buzzer] : []);
    });
  }

  it("stuck raises the stuck fault and release clears it, with no action", () => {
    const rig = new EngineRig().edge(true).wait(stuckMs);
    expect(rig.of("fault").map((f) => f.fault)).toEqual(["stuck"]);
    rig.clear().edge(false).wait(debounceMs);
    expect(rig.of("fault").map((f) => f.fault)).toEqual([null]);
    expect(rig.of("led").map((e) => e.pattern)).toEqual([null]);
    expect(rig.actions()).toEqual([]);
  });

  it("a short press gives no LED feedback and no buzzer", () => {
    const rig = new EngineRig().press(500);
    expect(rig.of("led")).toEqual([]);
    expect(rig.of("buzzer")).toEqual([]);
  });
});

describe("press engine: debounce", () => {
  it(`a pulse of ${debounceMs - 1} ms is ignored, one of ${debounceMs} ms is a short press`, () => {
    const glitch = new EngineRig()
      .edge(true)
      .wait(debounceMs - 1)
      .edge(false)
      .wait(1000);
    expect(glitch.effects).toEqual([]);
    const press = new EngineRig().edge(true).wait(debounceMs).edge(false).wait(1000);
    expect(press.of("press")[0]).toMatchObject({ tier: "short", durationMs: debounceMs });
  });

  it("measures a bouncy hold between the first raw edges of the stable levels", () => {
    const rig = new EngineRig();
    const start = rig.now;
    // Contact bounce on press and release, plus a release glitch mid-hold.
    rig.edge(true).wait(2).edge(false).wait(3).edge(true).wait(1).edge(false).wait(2).edge(true);
    rig
      .wait(3000)
      .edge(false)
      .wait(5)
      .edge(true)
      .wait(4000 - 5);
    const releaseAt = rig.now;
    rig.edge(false).wait(4).edge(true).wait(3).edge(false).wait(1000);
    const [press] = rig.of("press");
    expect(press?.startMs).toBe(start);
    expect(press?.endMs).toBe(releaseAt);
    expect(press?.tier).toBe("credential");
  });

  it("holds back feedback while a release is being debounced", () => {
    // Released 1 ms before the credential threshold: no beep, classified dead.
    const rig = new EngineRig()
      .edge(true)
      .wait(credentialMs - 1)
      .edge(false)
      .wait(debounceMs);
    expect(rig.of("buzzer")).toEqual([]);
    expect(rig.of("press")[0]?.tier).toBe("dead");
  });

  it("fires overdue feedback when a release glitch ends", () => {
    const rig = new EngineRig()
      .edge(true)
      .wait(credentialMs - 5)
      .edge(false)
      .wait(10);
    expect(rig.of("buzzer")).toEqual([]);
    rig.edge(true);
    expect(rig.of("buzzer").map((b) => b.pattern)).toEqual(["beep"]);
  });

  it("ignores repeats of the current level and edges before arm", () => {
    const engine = new PressEngine(defaults);
    expect(engine.edge(true, 0)).toEqual([]);
    expect(engine.nextDeadline()).toBeNull();
    const rig = new EngineRig().edge(false).edge(false);
    expect(rig.effects).toEqual([]);
    expect(rig.engine.nextDeadline()).toBeNull();
  });

  it("clamps an edge stamped in the past to the latest time seen", () => {
    const rig = new EngineRig().wait(100);
    rig.effects.push(...rig.engine.edge(true, rig.now - 50));
    rig.wait(700).edge(false).wait(debounceMs);
    expect(rig.of("press")[0]?.durationMs).toBe(700);
  });
});

describe("press engine: confirmation", () => {
  it("a short press within the window performs the factory reset and is consumed", () => {
    const rig = new EngineRig().press(16_000).wait(1000).clear().press(300);
    expect(rig.of("press")[0]).toMatchObject({
      outcome: "confirmation",
      action: "factory-reset",
      tier: "short",
    });
    expect(rig.of("action")).toEqual([
      expect.objectContaining({ action: "factory-reset", confirmed: true, boot: false, durationMs: 16_000 }),
    ]);
    expect(rig.actions()).not.toContain("short");
  });

  it(`the window is [release, release + ${confirmWindowMs}): a press starting 1 ms before the end counts`, () => {
    const rig = new EngineRig().press(16_000);
    const deadline = rig.of("confirm-wait")[0]?.deadline ?? Number.NaN;
    rig
      .wait(deadline - rig.now - 1)
      .clear()
      .press(300);
    expect(rig.actions()).toEqual(["factory-reset"]);
  });

  it("a press starting exactly at the deadline is too late, and is then a short press of its own", () => {
    const rig = new EngineRig().press(16_000);
    const deadline = rig.of("confirm-wait")[0]?.deadline ?? Number.NaN;
    rig.clear().wait(deadline - rig.now);
    expect(rig.of("confirm-expired")).toEqual([expect.objectContaining({ reason: "timeout" })]);
    rig.clear().press(300);
    expect(rig.actions()).toEqual(["short"]);
  });

  it("a press that starts in time but settles after the deadline still confirms", () => {
    const rig = new EngineRig().press(16_000);
    const deadline = rig.of("confirm-wait")[0]?.deadline ?? Number.NaN;
    rig
      .wait(deadline - rig.now - 10)
      .clear()
      .edge(true)
      .wait(500)
      .edge(false)
      .wait(debounceMs);
    expect(rig.of("confirm-expired")).toEqual([]);
    expect(rig.actions()).toEqual(["factory-reset"]);
  });

  it("expires with an error sound when no press comes", () => {
    const rig = new EngineRig().press(16_000).clear().wait(confirmWindowMs);
    expect(rig.of("confirm-expired")).toEqual([expect.objectContaining({ action: "factory-reset" })]);
    expect(rig.of("buzzer").map((b) => b.pattern)).toEqual(["error"]);
    expect(rig.engine.nextDeadline()).toBeNull();
  });

  it("a longer press in the window cancels the wait and counts as itself", () => {
    const rig = new EngineRig().press(16_000).wait(1000).clear().press(6000);
    expect(rig.of("confirm-expired")).toEqual([expect.objectContaining({ reason: "other-press" })]);
    expect(rig.actions()).toEqual(["credential-reset"]);
  });

  it("a dead-zone press in the window cancels the wait and does nothing", () => {
    const rig = new EngineRig().press(16_000).wait(1000).clear().press(3000);
    expect(rig.of("confirm-expired")).toHaveLength(1);
    expect(rig.actions()).toEqual([]);
  });
});

describe("press engine: boot hold", () => {
  it("times a button already down from arm and needs confirmation for a credential reset", () => {
    const rig = new EngineRig(defaults, true).wait(6000).edge(false).wait(debounceMs);
    expect(rig.of("press")[0]).toMatchObject({
      tier: "credential",
      boot: true,
      durationMs: 6000,
      outcome: "await-confirm",
    });
    expect(rig.actions()).toEqual([]);
    rig.wait(2000).press(200);
    expect(rig.of("action")).toEqual([
      expect.objectContaining({ action: "credential-reset", boot: true, confirmed: true }),
    ]);
  });

  it("a boot hold without confirmation resets nothing", () => {
    const rig = new EngineRig(defaults, true).wait(6000).edge(false).wait(60_000);
    expect(rig.actions()).toEqual([]);
    expect(rig.of("confirm-expired")).toHaveLength(1);
  });

  it("a boot short press is an ordinary short press", () => {
    const rig = new EngineRig(defaults, true).wait(400).edge(false).wait(debounceMs);
    expect(rig.actions()).toEqual(["short"]);
  });

  it("a button stuck at boot gives feedback, the stuck fault, and never an action", () => {
    const rig = new EngineRig(defaults, true).wait(24 * 3600_000);
    expect(rig.of("tier").map((t) => t.tier)).toEqual(["short", "dead", "credential", "factory", "stuck"]);
    expect(rig.of("fault").map((f) => f.fault)).toEqual(["stuck"]);
    expect(rig.actions()).toEqual([]);
    expect(rig.engine.nextDeadline()).toBeNull();
  });
});

describe("press engine: line faults", () => {
  it("drops the press in progress and the pending confirmation", () => {
    const rig = new EngineRig().press(16_000).wait(500).edge(true).wait(100).clear();
    rig.effects.push(...rig.engine.lineFault(rig.now));
    expect(rig.of("aborted")).toHaveLength(1);
    expect(rig.of("confirm-expired")).toEqual([expect.objectContaining({ reason: "line-fault" })]);
    rig.edge(false).wait(1000);
    expect(rig.of("press")).toEqual([]);
    expect(rig.actions()).toEqual([]);
    rig.press(300);
    expect(rig.actions()).toEqual(["short"]);
  });
});

describe("press engine: deadlines", () => {
  it("has no deadline while idle", () => {
    const rig = new EngineRig().press(300).wait(10);
    expect(rig.engine.nextDeadline()).toBeNull();
  });

  it("schedules the debounce and then each tier", () => {
    const rig = new EngineRig();
    const t0 = rig.now;
    rig.edge(true);
    expect(rig.engine.nextDeadline()).toBe(t0 + debounceMs);
    rig.wait(debounceMs);
    expect(rig.engine.nextDeadline()).toBe(t0 + shortMaxMs);
    rig.wait(shortMaxMs);
    expect(rig.engine.nextDeadline()).toBe(t0 + credentialMs);
  });

  it("refuses to arm twice", () => {
    const rig = new EngineRig();
    expect(() => rig.engine.arm(rig.now, false)).toThrow(/already armed/);
  });
});
