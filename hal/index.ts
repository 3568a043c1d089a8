// Creates the configured board. The simulated board also gets its control socket
// (<runtimeDir>/sim.sock), so `recoveryctl sim` can press the virtual button.
import path from "node:path";
import type { Clock } from "../daemon/clock.js";
import type { Config } from "../daemon/config/schema.js";
import type { Logger } from "../daemon/log.js";
import { startWithRetry } from "../daemon/retry-listen.js";
import type { GpioModule } from "./onoff/gpio-module.js";
import type { Board } from "./ports.js";
import { SimBoard, type SimBoardHandle } from "./sim/board.js";
import { type DaemonEventSource, startControlServer } from "./sim/control-server.js";

export type { SimBoardHandle } from "./sim/board.js";

export interface CreateBoardOptions {
  runtimeDir: string;
  clock: Clock;
  log: Logger;
  /** Sim board: forward daemon events (tier, press, state...) to `sim watch` clients. */
  events?: DaemonEventSource;
  /** onoff board: sysfs root and onoff module (tests inject a fake tree and module). */
  sysfsRoot?: string;
  gpioModule?: GpioModule;
  /** Sim board: told when its control socket cannot be created (a message) and when it can (null). */
  onControlFault?: (message: string | null) => void;
  /**
   * onoff board: told when its LED or buzzer line fails (a message) and works again (null). On
   * gpiod the outputs share the button's line request, so the button's fault covers them.
   */
  onOutputFault?: (part: "led" | "buzzer", message: string | null) => void;
}

export type CreatedBoard = Board & { sim?: SimBoardHandle & { socketPath: string } };

export const SIM_SOCKET_NAME = "sim.sock";

export async function createBoard(cfg: Config, opts: CreateBoardOptions): Promise<CreatedBoard> {
  if (cfg.board === "gpiod") {
    const { createGpiodBoard } = await import("./gpiod/board.js");
    return createGpiodBoard(cfg.gpio, { clock: opts.clock, log: opts.log });
  }
  if (cfg.board === "onoff") {
    // Imported here so the sim board never loads the onoff back end (or its native module).
    const { createOnoffBoard } = await import("./onoff/board.js");
    return createOnoffBoard(cfg.gpio, {
      clock: opts.clock,
      log: opts.log,
      sysfsRoot: opts.sysfsRoot,
      gpio: opts.gpioModule,
      onOutputFault: (part, err) => opts.onOutputFault?.(part, err ? err.message : null),
    });
  }
  const board = new SimBoard({ clock: opts.clock, initiallyPressed: cfg.sim.buttonInitiallyPressed });
  const socketPath = path.join(opts.runtimeDir, SIM_SOCKET_NAME);
  // A read-only runtime directory must not stop the board: the socket is retried in the background.
  const server = await startWithRetry({
    what: "sim control socket",
    log: opts.log,
    start: () =>
      startControlServer({ socketPath, board, clock: opts.clock, log: opts.log, events: opts.events }),
    stop: (s) => s.close(),
    onFault: opts.onControlFault,
  });
  // Only the handle's methods, so callers cannot reach around the Board interface.
  const sim: SimBoardHandle & { socketPath: string } = {
    socketPath,
    press: (down) => board.press(down),
    bounce: (count, intervalMs, settle) => board.bounce(count, intervalMs, settle),
    failLine: (message) => board.failLine(message),
    repairLine: () => board.repairLine(),
    state: () => board.state(),
    watch: (listener) => board.watch(listener),
  };
  return {
    kind: "sim",
    button: board.button,
    led: board.led,
    buzzer: board.buzzer,
    sim,
    async close() {
      await server.close();
      await board.close();
    },
  };
}
