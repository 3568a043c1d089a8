#!/usr/bin/env node
// First: zod's setting must precede every schema the imports below build (see the module).
import "./zod-config.js";
import { startDaemon } from "./daemon.js";
// The `recoveryd` bin: start the daemon, stop it cleanly on SIGTERM/SIGINT.
import { ConfigError, InstanceLockedError, NativeModuleError } from "./errors.js";
import { EXIT_CONFIG, EXIT_FAILURE, EXIT_LOCKED, EXIT_NATIVE_MODULE } from "./exit-codes.js";
import { checkNativeModules } from "./native-modules.js";

async function main(): Promise<void> {
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  try {
    checkNativeModules();
    daemon = await startDaemon({ env: process.env, cwd: process.cwd() });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`recoveryd: invalid configuration: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    if (err instanceof NativeModuleError) {
      process.stderr.write(`recoveryd: ${err.message}\n`);
      process.exit(EXIT_NATIVE_MODULE);
    }
    if (err instanceof InstanceLockedError) {
      process.stderr.write(`recoveryd: ${err.message}\n`);
      process.exit(EXIT_LOCKED);
    }
    process.stderr.write(`recoveryd: cannot start: ${(err as Error).message}\n`);
    process.exit(EXIT_FAILURE);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    daemon.close(signal).then(
      () => process.exit(0),
      () => process.exit(EXIT_FAILURE),
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // A configuration change is applied by a restart: SIGHUP stops cleanly and systemd
  // (Restart=always) starts the daemon again with the new file.
  process.on("SIGHUP", () => stop("SIGHUP"));
}

void main();
