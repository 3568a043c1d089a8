// Where the compiled recoveryd-gpio helper lives: next to the bundle (dist/recoveryd-gpio), found
// from this module whether it runs bundled (dist/recoveryd.mjs) or compiled (dist/hal/gpiod/).
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GpioError } from "../../daemon/errors.js";

export const HELPER_NAME = "recoveryd-gpio";

export function findHelper(configured: string | undefined): string {
  if (configured !== undefined) return configured;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, HELPER_NAME), path.resolve(here, "../..", HELPER_NAME)];
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new GpioError(
      `the GPIO helper ${HELPER_NAME} is not built (looked in ${candidates.join(", ")}): run npm run build with a C compiler, or set gpio.helper`,
    );
  return found;
}
