#!/usr/bin/env node
// The `recoveryctl` bin (SPEC 8.1): recoveryd's local API from a shell. Exit codes: 0 ok,
// 1 refused, 2 usage error, 3 daemon unreachable.
import { runCtl } from "./main.js";

let onInterrupt: (() => void) | undefined;
process.on("SIGINT", () => {
  // A command that holds something (a pressed simulated button, a stream) cleans up first;
  // a second Ctrl-C, or one during any other command, exits at once.
  const fn = onInterrupt;
  onInterrupt = undefined;
  if (fn) fn();
  else process.exit(130);
});

runCtl({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  onInterrupt: (fn) => {
    onInterrupt = fn;
    return () => {
      if (onInterrupt === fn) onInterrupt = undefined;
    };
  },
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`recoveryctl: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
