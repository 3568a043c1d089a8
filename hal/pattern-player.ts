// Plays a waveform (patterns.ts) on an output with a chain of timers. Steady outputs use no timer
// at all, so a board that shows a steady pattern does not wake the process.
import type { Step } from "./patterns.js";

export interface Player {
  stop(): void;
}

/**
 * Writes each step's level and waits its length; loops when `loop`, else ends on "off".
 * `write` errors stop the player and go to `onError` (a failing LED must not crash the daemon).
 */
export function playSteps(
  steps: readonly Step[],
  loop: boolean,
  write: (on: boolean) => void,
  onError: (err: unknown) => void,
): Player {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  let i = 0;
  const stepOnce = (): void => {
    timer = null;
    if (stopped) return;
    const step = steps[i];
    if (!step) {
      if (!loop || steps.length === 0) {
        safeWrite(false);
        return;
      }
      i = 0;
      stepOnce();
      return;
    }
    i++;
    safeWrite(step.on);
    if (!stopped) timer = setTimeout(stepOnce, step.ms);
  };
  const safeWrite = (on: boolean): void => {
    try {
      write(on);
    } catch (err) {
      stopped = true;
      onError(err);
    }
  };
  stepOnce();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
