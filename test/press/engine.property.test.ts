import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../daemon/config/load.js";
import { type Effect, PressEngine } from "../../daemon/press/engine.js";
import { classifyHold } from "../../daemon/press/tiers.js";
import { defaults } from "./helpers.js";

const T0 = 1_000_000;
// Fractions stop short of 1 so that "shorter than" survives rounding at CLOCK_MONOTONIC magnitudes
// (1e6 ms and up carry about 1e-10 ms of precision).
const fraction = fc.double({ min: 0, max: 0.999, noNaN: true });
const resets = (effects: Effect[]) =>
  effects
    .filter((e) => e.type === "action" && e.action !== "short")
    .map((e) => (e as { action: string }).action);

/** Valid configurations: random debounce and thresholds that the loader accepts. */
const config = fc
  .record({
    debounceMs: fc.integer({ min: 1, max: 500 }),
    credentialMs: fc.integer({ min: 3000, max: 10_000 }),
    factoryGap: fc.integer({ min: 1, max: 20_000 }),
    stuckGap: fc.integer({ min: 5000, max: 30_000 }),
  })
  .map(
    ({ debounceMs, credentialMs, factoryGap, stuckGap }) =>
      parseConfig({
        button: {
          debounceMs,
          shortMaxMs: Math.max(2000, debounceMs * 4),
          credentialMs,
          factoryMs: credentialMs + factoryGap,
          stuckMs: credentialMs + factoryGap + stuckGap,
        },
      }).button,
  );

/** Moves the engine to `t`, firing every deadline on the way like the shell's single timer. */
function runTo(engine: PressEngine, t: number, out: Effect[]): void {
  for (let d = engine.nextDeadline(); d !== null && d <= t; d = engine.nextDeadline())
    out.push(...engine.tick(d));
  out.push(...engine.tick(t));
}

describe("press engine properties", () => {
  it("any edge sequence whose pulses are all shorter than the debounce does nothing", () => {
    fc.assert(
      fc.property(
        config,
        fc.array(fc.tuple(fc.double({ min: 0, max: 5000, noNaN: true }), fraction), {
          maxLength: 60,
        }),
        (cfg, pulses) => {
          const engine = new PressEngine(cfg);
          const out: Effect[] = [...engine.arm(T0, false)];
          let t = T0;
          for (const [gap, fraction] of pulses) {
            t += gap;
            runTo(engine, t, out);
            out.push(...engine.edge(true, t));
            t += fraction * cfg.debounceMs; // strictly shorter than the debounce
            runTo(engine, t, out);
            out.push(...engine.edge(false, t));
          }
          runTo(engine, t + 24 * 3600_000, out);
          expect(out).toEqual([]);
          expect(engine.nextDeadline()).toBeNull();
        },
      ),
      { numRuns: 500 },
    );
  });

  it("release glitches shorter than the debounce never change a measured hold", () => {
    fc.assert(
      fc.property(
        config,
        fc.double({ min: 0, max: 60_000, noNaN: true }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fraction), { maxLength: 8 }),
        (cfg, extra, glitches) => {
          const d = cfg.debounceMs;
          const down = T0 + 10;
          const release = down + 2 * d + extra;
          const engine = new PressEngine(cfg);
          const out: Effect[] = [...engine.arm(T0, false)];
          out.push(...engine.edge(true, down));
          // Glitches come after the press has settled, each settles before the next one (or the
          // release) begins: otherwise they are contact bounce and the hold ends at the first one.
          let free = down + d;
          for (const [at, len] of glitches) {
            const start = free + at * (release - free);
            const end = start + len * d;
            if (end + d > release) break;
            runTo(engine, start, out);
            out.push(...engine.edge(false, start));
            runTo(engine, end, out);
            out.push(...engine.edge(true, end));
            free = end + d;
          }
          runTo(engine, release, out);
          out.push(...engine.edge(false, release));
          runTo(engine, release + 24 * 3600_000, out);
          const presses = out.filter((e) => e.type === "press");
          expect(presses).toHaveLength(1);
          const measured = (presses[0] as { durationMs: number }).durationMs;
          expect(measured).toBeCloseTo(release - down, 6);
          expect(presses[0]).toMatchObject({ tier: classifyHold(measured, cfg) });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a button that stays down never produces a reset, whatever came before", () => {
    const step = fc.tuple(fc.boolean(), fc.double({ min: 0, max: 40_000, noNaN: true }));
    fc.assert(
      fc.property(
        config,
        fc.boolean(),
        fc.array(step, { maxLength: 20 }),
        fc.array(fc.double({ min: 0, max: 1e8, noNaN: true }), { maxLength: 10 }),
        (cfg, bootPressed, history, ticks) => {
          const engine = new PressEngine(cfg);
          engine.arm(T0, bootPressed);
          let t = T0;
          const before: Effect[] = [];
          for (const [pressed, gap] of history) {
            t += gap;
            runTo(engine, t, before);
            before.push(...engine.edge(pressed, t));
          }
          // From here on the button goes down and stays down.
          t += 1;
          runTo(engine, t, before);
          const after: Effect[] = [...engine.edge(true, t)];
          for (const dt of [...ticks].sort((a, b) => a - b)) runTo(engine, t + dt, after);
          runTo(engine, t + 1e9, after);
          expect(resets(after)).toEqual([]);
          expect(after.filter((e) => e.type === "press")).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("a boot hold resets nothing without a confirming press", () => {
    fc.assert(
      fc.property(config, fc.double({ min: 0, max: 1, noNaN: true }), (cfg, f) => {
        const hold = cfg.shortMaxMs + f * (cfg.stuckMs * 2);
        const engine = new PressEngine(cfg);
        const out: Effect[] = [...engine.arm(T0, true)];
        runTo(engine, T0 + hold, out);
        out.push(...engine.edge(false, T0 + hold));
        runTo(engine, T0 + hold + 48 * 3600_000, out);
        expect(resets(out)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("a boot hold in a reset tier plus a confirming short press in time does reset", () => {
    fc.assert(
      fc.property(config, fraction, fraction, fraction, (cfg, fHold, fWait, fPress) => {
        const hold = cfg.credentialMs + fHold * (cfg.stuckMs - cfg.credentialMs);
        const wait = cfg.debounceMs + fWait * (cfg.confirmWindowMs - cfg.debounceMs);
        const confirm = cfg.debounceMs + fPress * (cfg.shortMaxMs - cfg.debounceMs);
        const engine = new PressEngine(cfg);
        const out: Effect[] = [...engine.arm(T0, true)];
        const release = T0 + hold;
        runTo(engine, release, out);
        out.push(...engine.edge(false, release));
        runTo(engine, release + wait, out);
        out.push(...engine.edge(true, release + wait));
        runTo(engine, release + wait + confirm, out);
        out.push(...engine.edge(false, release + wait + confirm));
        runTo(engine, release + wait + confirm + 3600_000, out);
        const expected = hold < cfg.factoryMs ? "credential-reset" : "factory-reset";
        expect(resets(out)).toEqual([expected]);
        expect(out.filter((e) => e.type === "action")).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });

  it("the defaults are what SPEC 3 says", () => {
    expect(defaults).toMatchObject({
      debounceMs: 30,
      shortMaxMs: 2000,
      credentialMs: 5000,
      factoryMs: 15_000,
      stuckMs: 30_000,
      confirmWindowMs: 10_000,
    });
  });
});
