// The hardware ports recoveryd uses: one small interface each. Back ends (sysfs via onoff, the
// simulated board) implement them side by side and pass the same contract tests.

/** A raw level change of the reset button, stamped as close to the interrupt as possible. */
export interface ButtonEdge {
  /** Logical level: true = pressed (active-low already applied). */
  pressed: boolean;
  /** CLOCK_MONOTONIC, ms (fractional). */
  atMs: number;
}

export interface ButtonPort {
  /** Current logical level. Throws GpioError when the line cannot be read. */
  isPressed(): boolean;
  /** Raw, undebounced edges; the press engine debounces. */
  onEdge(listener: (edge: ButtonEdge) => void): void;
  /** Read failures and vanished lines. Never a press. */
  onError(listener: (err: Error) => void): void;
  /** The line works again after an error (a removed chip came back), whether or not it moves. */
  onRecover?(listener: () => void): void;
  close(): Promise<void>;
  /**
   * Edges may reach the listeners up to this long after their stamp (a kernel-stamped back end:
   * the event travels through a pipe and the event loop first). The press controller holds its
   * deadlines back by this much so that an edge is never clamped to a deadline that fired while
   * it was in flight. Absent (0) for back ends that stamp on delivery.
   */
  readonly deliveryLagMs?: number;
  /**
   * Calls back with a time up to which every edge has been delivered (a watermark on the edges'
   * clock), after delivering any still in flight; null when the line failed meanwhile. The press
   * controller waits for it before it lets a tier deadline pass, so an edge held up anywhere
   * between the kernel and the event loop cannot be overtaken by the deadline it came before.
   */
  sync?(done: (watermarkMs: number | null) => void): void;
}

export type LedPattern =
  | "off"
  | "on" // solid: held past the stuck limit
  | "slow-blink" // 1 Hz: releasing now resets credentials
  | "fast-blink" // 4 Hz: releasing now arms a factory reset (confirm with a short press)
  | "confirm-wait" // waiting for the confirming short press
  | "done" // rapid flashing for a few seconds: the action completed
  | "status" // one blink after a short press on a provisioned recorder: "I am fine"
  | "refused" // for a few seconds: a USB file or a confirm was refused, nothing was done
  | "setup-pending" // first-boot: waiting for a password to be set
  | "fault"; // store or button unusable

export interface LedPort {
  set(pattern: LedPattern): void;
  readonly pattern: LedPattern;
  close(): Promise<void>;
}

export type BuzzerPattern =
  | "beep" // 1 short beep: credential tier reached
  | "double-beep" // 2 beeps: factory tier reached
  | "long-beep" // held too long: stuck
  | "confirm" // confirmation expected / accepted
  | "error";

export interface BuzzerPort {
  play(pattern: BuzzerPattern): void;
  close(): Promise<void>;
}

export interface Board {
  readonly kind: "sim" | "onoff" | "gpiod";
  readonly button: ButtonPort;
  readonly led: LedPort;
  /** Absent when the board has no buzzer. */
  readonly buzzer: BuzzerPort | undefined;
  close(): Promise<void>;
}
