// Exit codes of the `recoveryd` process (documented in the README). 78 is sysexits' EX_CONFIG.
export const EXIT_FAILURE = 1;
export const EXIT_CONFIG = 78;
