// An onoff board on a fake sysfs tree, with its log lines and output faults captured, for the
// onoff fault tests. Timers and Date are expected to be faked by the caller (vi.useFakeTimers), so
// the clock below and the logged downMs run in test time.
import type { Clock } from "../../../daemon/clock.js";
import { parseConfig } from "../../../daemon/config/load.js";
import { createLogger } from "../../../daemon/log.js";
import { createOnoffBoard } from "../../../hal/onoff/board.js";
import { type FakeChip, FakeSysfs } from "../fake-sysfs.js";

export type LogLine = {
  level: number;
  msg: string;
  retryInMs?: number;
  downMs?: number;
  error?: string;
  err?: { message: string };
};

export async function openFakeBoard(
  chips: FakeChip[],
  gpio: Record<string, unknown>,
  before: (s: FakeSysfs) => void = () => {},
) {
  const s = new FakeSysfs(chips);
  before(s);
  const logs: LogLine[] = [];
  const log = createLogger({ destination: { write: (line: string) => void logs.push(JSON.parse(line)) } });
  const cfg = parseConfig({ board: "onoff", gpio });
  const clock: Clock = { now: () => Date.now(), monotonic: () => Date.now() };
  const faults: [string, string | null][] = [];
  const board = await createOnoffBoard(cfg.gpio, {
    clock,
    log,
    sysfsRoot: s.root,
    gpio: s.module,
    onOutputFault: (part, err) => faults.push([part, err ? err.message : null]),
  });
  return { s, board, logs, log, cfg, clock, faults };
}

/** The retry delays logged for one line ("button", "LED", "buzzer"), in order. */
export const retries = (logs: LogLine[], what: string) =>
  logs
    .filter((l) => l.msg.startsWith(`GPIO ${what} line`) && l.retryInMs !== undefined)
    .map((l) => l.retryInMs);
