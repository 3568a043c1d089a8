// The slice of the `onoff` module recoveryd uses, as an interface: production loads the real
// module lazily (it is an optional dependency with a native part, absent on the simulated board);
// tests inject a fake that works on a fake sysfs tree.
import { GpioError } from "../../daemon/errors.js";

export type Level = 0 | 1;
export type Direction = "in" | "out" | "high" | "low";
export type Edge = "none" | "rising" | "falling" | "both";

export interface GpioLine {
  readSync(): Level;
  writeSync(value: Level): void;
  /** onoff calls back from its epoll handler: `(err, value)`, no timestamp. */
  watch(callback: (err: Error | null | undefined, value: Level) => void): void;
  unwatchAll(): void;
  unexport(): void;
}

export interface GpioModule {
  Gpio: new (
    gpio: number,
    direction: Direction,
    edge?: Edge,
    options?: { activeLow?: boolean; debounceTimeout?: number },
  ) => GpioLine;
}

/** Imports onoff only when the onoff board is configured (never at import time). */
export async function loadOnoff(): Promise<GpioModule> {
  try {
    const mod = (await import("onoff")) as unknown as Partial<GpioModule> & { default?: Partial<GpioModule> };
    const Gpio = mod.Gpio ?? mod.default?.Gpio;
    if (!Gpio) throw new Error("module has no Gpio export");
    return { Gpio };
  } catch (err) {
    throw new GpioError(`board "onoff" needs the onoff package: ${(err as Error).message}`);
  }
}

/** Backoff of a line that could not be opened (busy, no permission, chip gone): 1 s doubling to 10 s. */
export const FIRST_REOPEN_MS = 1000;
export const MAX_REOPEN_MS = 10_000;

/** onoff's error for a failed export or open, with the cause said in words (EBUSY: "busy"). */
export function describeOpenError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const msg = e?.message ?? String(err);
  if (e?.code === "EBUSY") return `${msg}: the line is busy (held by another process)`;
  if (e?.code === "EACCES" || e?.code === "EPERM")
    return `${msg}: permission denied (check the owner and mode of the sysfs GPIO files)`;
  return msg;
}
