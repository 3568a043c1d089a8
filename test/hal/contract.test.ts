// Runs the board contract against both back ends: the simulated board, and the onoff back end on a
// fake sysfs tree (with and without active-low lines, on a chip numbered from 512 like kernel 6.6+).
import { FakeClock } from "../../daemon/clock.js";
import { parseConfig } from "../../daemon/config/load.js";
import { silentLogger } from "../../daemon/log.js";
import { createOnoffBoard } from "../../hal/onoff/board.js";
import { LED_WAVES } from "../../hal/patterns.js";
import { SimBoard } from "../../hal/sim/board.js";
import { boardContract } from "./contract.js";
import { FakeSysfs } from "./fake-sysfs.js";

/** A fake clock's side of the harness: stamps must be exact, waiting advances it. */
function fakeTime(clock: FakeClock) {
  return {
    now: () => clock.monotonic(),
    wait: async (ms: number) => void clock.advance(ms),
    stampToleranceMs: 0,
  };
}

boardContract("sim", async () => {
  const clock = new FakeClock();
  const board = new SimBoard({ clock });
  return {
    board,
    ...fakeTime(clock),
    drive: (pressed) => void board.press(pressed),
    ledLit: () => LED_WAVES[board.led.pattern].steps[0]?.on ?? false,
    sounding: () => board.state().buzzer !== null,
    breakLine: () => board.failLine("vanished"),
    cleanup: async () => {},
  };
});

for (const activeLow of [true, false]) {
  boardContract(`onoff on a fake sysfs tree (activeLow ${activeLow})`, async () => {
    const clock = new FakeClock();
    const sysfs = new FakeSysfs([
      { name: "gpiochip512", base: 512, ngpio: 58, label: "pinctrl-bcm2711" },
      { name: "gpiochip570", base: 570, ngpio: 8, label: "raspberrypi-exp-gpio" },
    ]);
    const cfg = parseConfig({
      board: "onoff",
      gpio: {
        chipLabel: "pinctrl-bcm2711",
        button: { line: 17, activeLow },
        led: { line: 27, activeLow },
        buzzer: { line: 22, activeLow },
      },
    }).gpio;
    const level = (on: boolean) => (on !== activeLow ? 1 : 0);
    // The released button rests at its inactive level before the board opens it.
    sysfs.exportLine(512 + 17);
    sysfs.setPhysical(512 + 17, level(false));
    const board = await createOnoffBoard(cfg, {
      clock,
      log: silentLogger(),
      sysfsRoot: sysfs.root,
      gpio: sysfs.module,
    });
    return {
      board,
      ...fakeTime(clock),
      drive: (pressed) => sysfs.drive(512 + 17, level(pressed)),
      ledLit: () => sysfs.physical(512 + 27) === level(true),
      sounding: () => sysfs.physical(512 + 22) === level(true),
      breakLine: () => {
        sysfs.vanished.add(512 + 17);
        sysfs.lines.get(512 + 17)?.interrupt();
      },
      cleanup: async () => sysfs.cleanup(),
    };
  });
}
