// Exit codes of the `recoveryd` process (documented in the README), from sysexits.h.
export const EXIT_FAILURE = 1;
/** EX_UNAVAILABLE: a native module (better-sqlite3, argon2) cannot be loaded; see the message. */
export const EXIT_NATIVE_MODULE = 69;
/** EX_CANTCREAT: another recoveryd holds the state directory's lock; nothing was touched. */
export const EXIT_LOCKED = 73;
/** EX_TEMPFAIL: asks the service manager for a restart (after a store rebuild). */
export const EXIT_RESTART = 75;
export const EXIT_CONFIG = 78;
