// The last line of defence for recordings: before the factory reset writes, renames or removes
// anything, the path is checked against every preserve path, both as written and with symlinks
// resolved. The configuration loader already refuses overlapping paths; this catches what only
// shows at runtime (a parent directory that became a symlink into the recordings, a symlink in
// the factory defaults that points there).
import { realpath } from "node:fs/promises";
import path from "node:path";
import { overlaps } from "../config/load.js";
import { FactoryResetError } from "./errors.js";

export class PreserveGuard {
  constructor(private readonly preserve: readonly string[]) {}

  /**
   * May the reset create, replace or remove the entry at `p`? The entry itself is not followed
   * (rename and rm act on a symlink, not its target); every directory above it is.
   */
  async assertWritable(p: string): Promise<void> {
    const abs = path.resolve(p);
    const real = path.join(await resolveExisting(path.dirname(abs)), path.basename(abs));
    for (const keep of this.preserve) {
      if (overlaps(abs, keep) || overlaps(real, await resolveExisting(keep)))
        throw new FactoryResetError(
          "preserve_overlap",
          `refusing to write ${abs}: it is or lies inside preserve path ${keep}${real === abs ? "" : ` (resolves to ${real})`}`,
        );
    }
  }

  /** A symlink that will live at `linkPath` and point to `target` must not lead into a preserve path. */
  async assertLinkSafe(linkPath: string, target: string): Promise<void> {
    const dest = path.resolve(path.dirname(linkPath), target);
    const real = await resolveExisting(dest);
    for (const keep of this.preserve) {
      if (overlaps(dest, keep) || overlaps(real, await resolveExisting(keep)))
        throw new FactoryResetError(
          "symlink_into_preserve",
          `refusing to create symlink ${linkPath} -> ${target}: it leads into preserve path ${keep}`,
        );
    }
  }
}

/** realpath of the longest existing prefix, with the missing rest appended. */
export async function resolveExisting(p: string): Promise<string> {
  const rest: string[] = [];
  let cur = path.resolve(p);
  for (;;) {
    try {
      return path.join(await realpath(cur), ...rest.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
      const parent = path.dirname(cur);
      if (parent === cur) return path.resolve(p);
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}
