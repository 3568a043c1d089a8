// A digest of a whole tree (names, types, modes, contents, link targets) for byte-identity checks.
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";

export function treeHash(root: string): string {
  const h = createHash("sha256");
  const walk = (abs: string, rel: string) => {
    const st = lstatSync(abs);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) h.update(`L ${rel} ${readlinkSync(abs)}\n`);
    else if (st.isDirectory()) {
      h.update(`D ${rel} ${mode}\n`);
      for (const n of readdirSync(abs).sort()) walk(path.join(abs, n), rel ? `${rel}/${n}` : n);
    } else {
      h.update(`F ${rel} ${mode} ${st.size} `);
      h.update(readFileSync(abs));
      h.update("\n");
    }
  };
  walk(root, "");
  return h.digest("hex");
}
