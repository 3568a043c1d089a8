// recoveryctl backup export [--to PATH] | inspect PATH | restore PATH, with --passphrase-file FILE,
// --recipient age1… (export) or --identity FILE (inspect, restore); without them the passphrase
// is asked for (issue 16).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { manifestOf } from "../../daemon/backup/manifest.js";
import { openBackup } from "../../daemon/backup/service.js";
import { checkFlags, stringFlag } from "../args.js";
import { authedApi, type Ctx, emit } from "../context.js";
import { RefusedError, UsageError } from "../exit.js";

interface ManifestView {
  model: string | null;
  deviceId: string | null;
  productVersion: string;
  createdAt: string;
  roots: { path: string; kind: string }[];
  files: { path: string; size: number; sha256: string }[];
}

async function firstLine(file: string): Promise<string> {
  const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new RefusedError(`cannot read ${file} (${err.code})`);
  });
  return text.split(/\r?\n/)[0] ?? "";
}

async function key(ctx: Ctx, forExport: boolean): Promise<Record<string, string>> {
  const pf = stringFlag(ctx.args, "passphrase-file");
  const recipient = stringFlag(ctx.args, "recipient");
  const identity = stringFlag(ctx.args, "identity");
  const given = [pf, recipient, identity].filter((x) => x !== undefined).length;
  if (given > 1) throw new UsageError("give one of --passphrase-file, --recipient, --identity", "backup");
  if (recipient !== undefined && !forExport)
    throw new UsageError("--recipient is for export; restore takes --identity", "backup");
  if (identity !== undefined && forExport)
    throw new UsageError("--identity is for restore; export takes --recipient", "backup");
  if (pf !== undefined) return { passphrase: await firstLine(path.resolve(ctx.cwd, pf)) };
  if (recipient !== undefined) return { recipient };
  if (identity !== undefined) return { identity: await readFile(path.resolve(ctx.cwd, identity), "utf8") };
  return { passphrase: await ctx.secrets.read("Backup passphrase", { confirm: forExport }) };
}

function describe(m: ManifestView): string {
  const bytes = m.files.reduce((n, f) => n + f.size, 0);
  return [
    `Backup of ${m.model ?? "(unknown model)"} ${m.deviceId ?? ""}`.trim(),
    `Made ${m.createdAt} by recoveryd ${m.productVersion}`,
    `${m.files.length} files, ${bytes} bytes, in:`,
    ...m.roots.map((r) => `  ${r.path}${r.kind === "dir" ? "/" : ""}`),
  ].join("\n");
}

export async function backupCommand(ctx: Ctx): Promise<number> {
  const [, sub, file, extra] = ctx.args.positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, "backup");
  switch (sub) {
    case "export": {
      checkFlags(ctx.args, ["to", "passphrase-file", "recipient"], "backup");
      const to = stringFlag(ctx.args, "to") ?? file;
      const body = { ...(await key(ctx, true)), ...(to ? { to: path.resolve(ctx.cwd, to) } : {}) };
      const r = await authedApi<{ file: string; manifest: ManifestView }>(ctx, {
        method: "POST",
        path: "/v1/backup",
        body,
      });
      emit(ctx, r, () => `Written ${r.file}\n${describe(r.manifest)}`);
      return 0;
    }
    case "inspect": {
      checkFlags(ctx.args, ["passphrase-file", "identity"], "backup");
      if (!file) throw new UsageError("backup inspect needs a PATH", "backup");
      const bytes = await readFile(path.resolve(ctx.cwd, file)).catch((err: NodeJS.ErrnoException) => {
        throw new RefusedError(`cannot read ${file} (${err.code})`);
      });
      let manifest: ManifestView;
      try {
        manifest = manifestOf(await openBackup(bytes, await key(ctx, false)));
      } catch (err) {
        throw new RefusedError(`refused: ${(err as Error).message}`);
      }
      emit(ctx, manifest, () => describe(manifest));
      return 0;
    }
    case "restore": {
      checkFlags(ctx.args, ["passphrase-file", "identity"], "backup");
      if (!file) throw new UsageError("backup restore needs a PATH", "backup");
      const body = { file: path.resolve(ctx.cwd, file), ...(await key(ctx, false)) };
      const r = await authedApi<{ restored: string[]; manifest: ManifestView }>(ctx, {
        method: "POST",
        path: "/v1/backup/restore",
        body,
        timeoutMs: 120_000,
      });
      emit(
        ctx,
        r,
        () => `Restored:\n${r.restored.map((p) => `  ${p}`).join("\n")}\nfrom ${describe(r.manifest)}`,
      );
      return 0;
    }
    default:
      throw new UsageError(sub ? `unknown backup command "${sub}"` : "backup needs a command", "backup");
  }
}
