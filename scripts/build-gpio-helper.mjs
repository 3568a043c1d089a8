// Compiles hal/gpiod/recoveryd-gpio.c (the GPIO character-device helper of board "gpiod") to
// dist/recoveryd-gpio with the C compiler, when there is one. Only libc and the kernel's uAPI
// header are needed, so `CC=aarch64-linux-gnu-gcc` cross-builds it. Without a compiler the build
// goes on (the simulated and onoff boards do not need it) and says so.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function buildGpioHelper(out = path.join(root, "dist", "recoveryd-gpio")) {
  const cc = process.env.CC || "cc";
  mkdirSync(path.dirname(out), { recursive: true });
  try {
    execFileSync(
      cc,
      ["-O2", "-Wall", "-Wextra", "-Werror", "-o", out, path.join(root, "hal/gpiod/recoveryd-gpio.c")],
      {
        stdio: ["ignore", "inherit", "inherit"],
      },
    );
    return out;
  } catch (err) {
    if (err.code === "ENOENT") {
      console.warn(`${cc} not found: dist/recoveryd-gpio not built (board "gpiod" needs it)`);
      return null;
    }
    throw err;
  }
}

// `node scripts/build-gpio-helper.mjs [out]` (the arm64 rig: CC=aarch64-linux-gnu-gcc, out in its stage).
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const out = buildGpioHelper(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  if (out === null && process.argv[2]) process.exit(1);
}
