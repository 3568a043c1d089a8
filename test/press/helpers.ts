// Drives the pure press engine with a fake clock: time only moves when a test says so.
import { FakeClock } from "../../daemon/clock.js";
import { parseConfig } from "../../daemon/config/load.js";
import type { ButtonConfig } from "../../daemon/config/schema.js";
import { type Effect, PressEngine } from "../../daemon/press/engine.js";

export const defaults: ButtonConfig = parseConfig({}).button;

export class EngineRig {
  readonly clock = new FakeClock();
  readonly engine: PressEngine;
  readonly effects: Effect[] = [];

  constructor(
    readonly cfg: ButtonConfig = defaults,
    pressedAtArm = false,
  ) {
    this.engine = new PressEngine(cfg);
    this.effects.push(...this.engine.arm(this.now, pressedAtArm));
  }

  get now(): number {
    return this.clock.monotonic();
  }

  /** Moves time by `ms`, firing every deadline on the way, as the shell's single timer would. */
  wait(ms: number): this {
    const end = this.now + ms;
    for (let d = this.engine.nextDeadline(); d !== null && d <= end; d = this.engine.nextDeadline()) {
      this.clock.advance(d - this.now);
      this.effects.push(...this.engine.tick(this.now));
    }
    this.clock.advance(end - this.now);
    this.effects.push(...this.engine.tick(this.now));
    return this;
  }

  edge(pressed: boolean): this {
    this.effects.push(...this.engine.edge(pressed, this.now));
    return this;
  }

  /** A clean press of exactly `ms`, then enough quiet time for the release to settle. */
  press(ms: number): this {
    return this.edge(true).wait(ms).edge(false).wait(this.cfg.debounceMs);
  }

  of<T extends Effect["type"]>(type: T): Extract<Effect, { type: T }>[] {
    return this.effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
  }

  actions(): string[] {
    return this.of("action").map((a) => a.action);
  }

  clear(): this {
    this.effects.length = 0;
    return this;
  }
}
