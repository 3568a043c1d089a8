// recoveryctl's exit codes (SPEC 8.1): a contract scripts test against.
export const EXIT_OK = 0;
/** The daemon refused: wrong password, policy, locked, not allowed, tampered audit log. */
export const EXIT_REFUSED = 1;
/** The command line was wrong (unknown command or flag, bad duration, unreadable input file). */
export const EXIT_USAGE = 2;
/** The daemon (or the simulated board) could not be reached. */
export const EXIT_UNREACHABLE = 3;

/** A command-line mistake; the message says what to fix. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** Command whose usage line is shown with the message. */
    readonly command?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** A refusal decided on this side (e.g. a tampered audit log, a press the daemon did not see). */
export class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedError";
  }
}
