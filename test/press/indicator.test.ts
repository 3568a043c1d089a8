import { describe, expect, it } from "vitest";
import { chooseLed, indicatorDeadline, initialIndicator } from "../../daemon/press/indicator.js";

describe("indicator", () => {
  const base = { ...initialIndicator };

  it("is off when nothing is going on", () => {
    expect(chooseLed(base, 0)).toBe("off");
    expect(indicatorDeadline(base, 0)).toBeNull();
  });

  it("follows the precedence holding > confirm-wait > done > fault > setup-pending", () => {
    const all = {
      holding: "slow-blink" as const,
      confirmWait: true,
      doneUntilMs: 100,
      flash: "done" as const,
      fault: true,
      firstBoot: true,
    };
    expect(chooseLed(all, 0)).toBe("slow-blink");
    expect(chooseLed({ ...all, holding: null }, 0)).toBe("confirm-wait");
    expect(chooseLed({ ...all, holding: null, confirmWait: false }, 0)).toBe("done");
    expect(chooseLed({ ...all, holding: null, confirmWait: false, doneUntilMs: null }, 0)).toBe("fault");
    expect(chooseLed({ ...base, firstBoot: true }, 0)).toBe("setup-pending");
  });

  it("shows refused instead of done when the flash is a refusal, for the same time", () => {
    const s = { ...base, doneUntilMs: 3000, flash: "refused" as const, firstBoot: true };
    expect(chooseLed(s, 2999)).toBe("refused");
    expect(chooseLed(s, 3000)).toBe("setup-pending");
  });

  it("holding feedback 'off' in the dead zone hides setup-pending", () => {
    expect(chooseLed({ ...base, firstBoot: true, holding: "off" }, 0)).toBe("off");
  });

  it("ends the done flash at doneUntilMs exactly", () => {
    const s = { ...base, doneUntilMs: 3000, firstBoot: true };
    expect(chooseLed(s, 2999)).toBe("done");
    expect(indicatorDeadline(s, 2999)).toBe(3000);
    expect(chooseLed(s, 3000)).toBe("setup-pending");
    expect(indicatorDeadline(s, 3000)).toBeNull();
  });
});
