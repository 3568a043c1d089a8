// The LED and buzzer patterns as data: what each pattern looks like in time. The real back end
// plays these steps on the GPIO line, the simulated board just records the pattern name, and the
// field card is drawn from the same table, so the documentation cannot drift from the firmware.
import type { BuzzerPattern, LedPattern } from "./ports.js";

/** One step of a waveform: the output is on (lit / sounding) or off for `ms`. */
export interface Step {
  on: boolean;
  ms: number;
}

export interface LedWave {
  /** Steady patterns need no timer; blinking ones loop over `steps` while active. */
  steady: boolean;
  steps: readonly Step[];
  /** What a technician sees, for the field card. */
  description: string;
  /** Flashes per second, when the pattern is a regular blink. */
  hz?: number;
}

function blink(hz: number): Step[] {
  const half = 1000 / hz / 2;
  return [
    { on: true, ms: half },
    { on: false, ms: half },
  ];
}

export const LED_WAVES: Readonly<Record<LedPattern, LedWave>> = {
  off: { steady: true, steps: [{ on: false, ms: 0 }], description: "off" },
  on: { steady: true, steps: [{ on: true, ms: 0 }], description: "solid on" },
  "slow-blink": { steady: false, steps: blink(1), hz: 1, description: "slow blink, 1 per second (1 Hz)" },
  "fast-blink": { steady: false, steps: blink(4), hz: 4, description: "fast blink, 4 per second (4 Hz)" },
  // A double flash each second: unlike any steady blink, so "press once more" is unmistakable.
  "confirm-wait": {
    steady: false,
    steps: [
      { on: true, ms: 100 },
      { on: false, ms: 150 },
      { on: true, ms: 100 },
      { on: false, ms: 650 },
    ],
    description: "double flash every second",
  },
  done: { steady: false, steps: blink(10), hz: 10, description: "rapid flicker, 10 per second (10 Hz)" },
  // A single blink, shown once: the answer to a short press on a provisioned recorder.
  status: {
    steady: false,
    steps: [
      { on: true, ms: 300 },
      { on: false, ms: 700 },
    ],
    description: "one blink",
  },
  // One long flash then a short one: unlike "done" at a glance, so refused never reads as success.
  refused: {
    steady: false,
    steps: [
      { on: true, ms: 700 },
      { on: false, ms: 200 },
      { on: true, ms: 100 },
      { on: false, ms: 500 },
    ],
    description: "one long and one short flash, every 1.5 seconds: refused, nothing done",
  },
  // Mostly dark with a short heartbeat: the recorder is fine but waits for a password.
  "setup-pending": {
    steady: false,
    steps: [
      { on: true, ms: 100 },
      { on: false, ms: 1900 },
    ],
    description: "one short flash every 2 seconds",
  },
  fault: {
    steady: false,
    steps: [
      { on: true, ms: 150 },
      { on: false, ms: 150 },
      { on: true, ms: 150 },
      { on: false, ms: 150 },
      { on: true, ms: 150 },
      { on: false, ms: 1250 },
    ],
    description: "three flashes every 2 seconds",
  },
};

export interface BuzzerWave {
  steps: readonly Step[];
  description: string;
}

export const BUZZER_WAVES: Readonly<Record<BuzzerPattern, BuzzerWave>> = {
  beep: { steps: [{ on: true, ms: 150 }], description: "1 short beep" },
  "double-beep": {
    steps: [
      { on: true, ms: 150 },
      { on: false, ms: 120 },
      { on: true, ms: 150 },
    ],
    description: "2 short beeps",
  },
  "long-beep": { steps: [{ on: true, ms: 1000 }], description: "1 long beep (1 s)" },
  confirm: { steps: [{ on: true, ms: 60 }], description: "1 chirp" },
  error: {
    steps: [
      { on: true, ms: 80 },
      { on: false, ms: 80 },
      { on: true, ms: 80 },
      { on: false, ms: 80 },
      { on: true, ms: 80 },
    ],
    description: "3 quick chirps",
  },
};

/** Total length of one period (LED) or of the whole sound (buzzer). */
export function waveLengthMs(steps: readonly Step[]): number {
  return steps.reduce((sum, s) => sum + s.ms, 0);
}
