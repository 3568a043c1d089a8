import { describe, expect, it } from "vitest";
import { SetupGate } from "../../daemon/accounts/setup-gate.js";
import { FakeClock } from "../../daemon/clock.js";

const WINDOW = 15 * 60_000;

describe("SetupGate", () => {
  it("is closed until opened, then open for exactly the window's length", () => {
    const clock = new FakeClock();
    const gate = new SetupGate(clock, WINDOW);
    expect(gate.isOpen()).toBe(false);
    expect(gate.closesAt()).toBeNull();
    gate.open();
    expect(gate.closesAt()).toBe("2026-01-01T00:15:00.000Z");
    clock.advance(WINDOW - 1);
    expect(gate.isOpen()).toBe(true);
    clock.advance(1);
    expect(gate.isOpen()).toBe(false);
    expect(gate.closesAt()).toBeNull();
  });

  it("reopening restarts the full window", () => {
    const clock = new FakeClock();
    const gate = new SetupGate(clock, WINDOW);
    gate.open();
    clock.advance(10 * 60_000);
    gate.open();
    clock.advance(10 * 60_000);
    expect(gate.isOpen()).toBe(true);
  });

  it("issues one-time tokens, valid for the window's length, kept only as hashes", () => {
    const clock = new FakeClock();
    const gate = new SetupGate(clock, WINDOW);
    const a = gate.issueToken();
    const b = gate.issueToken();
    expect(a.expiresAt).toBe("2026-01-01T00:15:00.000Z");
    expect(JSON.stringify(gate)).not.toContain(a.token);
    expect(gate.hasToken(a.token)).toBe(true);
    expect(gate.consumeToken(a.token)).toBe(true);
    expect(gate.consumeToken(a.token)).toBe(false);
    expect(gate.hasToken("rdu_guess")).toBe(false);
    expect(gate.hasToken(42)).toBe(false);
    clock.advance(WINDOW);
    expect(gate.consumeToken(b.token)).toBe(false);
  });

  it("clear closes the window and forgets every token", () => {
    const gate = new SetupGate(new FakeClock(), WINDOW);
    gate.open();
    const t = gate.issueToken();
    gate.clear();
    expect(gate.isOpen()).toBe(false);
    expect(gate.hasToken(t.token)).toBe(false);
  });
});
