// Browser build only (scripts/bundle-web.mjs puts this module in place of daemon/policy's
// blocklist.ts and strength.ts). Those two rules need the common-password list and the strength
// estimator, megabytes the setup page's 60 KB budget cannot carry, so in the browser they never
// refuse: the daemon applies them on submit and the page shows its reason (code "password_policy",
// reason "common" or "weak"). Every other rule runs here as the daemon's own code.

export function isCommonPassword(_lowerCased: string): boolean {
  return false;
}

export function blocklistLoaded(): boolean {
  return false;
}

export function guessesLog10(_password: string): number {
  return Number.POSITIVE_INFINITY;
}

export function estimatorLoaded(): boolean {
  return false;
}
