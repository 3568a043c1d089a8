// Chip and line resolution of board "gpiod" from the helper's `list` output (real kernel runs of
// the helper are in test/rigs/kernel-vm/).
import { describe, expect, it } from "vitest";
import { GpioError } from "../../../daemon/errors.js";
import { lineOffset, parseChipList, parseUnreadable, pickChip } from "../../../hal/gpiod/chips.js";

const LIST = [
  "chip /dev/gpiochip10 raspberrypi-exp-gpio 8",
  "chip /dev/gpiochip2 pinctrl-bcm2711 58",
  "line /dev/gpiochip2 17 RESET BUTTON",
  "line /dev/gpiochip2 27 led",
  "unreadable /dev/gpiochip3 13",
  "",
].join("\n");

describe("gpiod chip resolution", () => {
  const chips = parseChipList(LIST);

  it("lists chips in device-number order with their named lines", () => {
    expect(chips.map((c) => c.path)).toEqual(["/dev/gpiochip2", "/dev/gpiochip10"]);
    expect(chips[0]?.names.get("RESET BUTTON")).toBe(17);
  });

  it("picks the chip by label, else the first", () => {
    expect(pickChip(chips, "raspberrypi-exp-gpio").path).toBe("/dev/gpiochip10");
    expect(pickChip(chips, undefined).path).toBe("/dev/gpiochip2");
    expect(() => pickChip(chips, "nope")).toThrow(/no GPIO chip labelled "nope".*pinctrl-bcm2711/);
    expect(() => pickChip([], undefined)).toThrow(GpioError);
  });

  it("finds a line by name or by offset, and refuses what is not there", () => {
    const chip = pickChip(chips, "pinctrl-bcm2711");
    expect(lineOffset(chip, { line: 0, name: "led" }, "gpio.led")).toBe(27);
    expect(lineOffset(chip, { line: 22 }, "gpio.buzzer")).toBe(22);
    expect(() => lineOffset(chip, { line: 0, name: "beeper" }, "gpio.buzzer")).toThrow(
      /no line named "beeper"/,
    );
    expect(() => lineOffset(chip, { line: 58 }, "gpio.button")).toThrow(/beyond/);
  });

  it("names a chip it could not open with its errno (a permission problem, not a wrong label)", () => {
    const unreadable = parseUnreadable(LIST);
    expect(unreadable).toEqual([{ path: "/dev/gpiochip3", errno: 13 }]);
    expect(() => pickChip(chips, "recoveryd-test", unreadable)).toThrow(
      /no GPIO chip labelled "recoveryd-test".*\/dev\/gpiochip3 could not be opened: EACCES \(permission denied\).*owner and mode/,
    );
    expect(() => pickChip([], undefined, unreadable)).toThrow(/no GPIO character device.*EACCES/);
    expect(() => pickChip(chips, "nope", [])).toThrow(/check gpio.chipLabel/);
  });
});
