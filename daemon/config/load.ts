// Reads, validates and resolves the configuration. Any problem is one ConfigError naming the
// key, the value and the rule; the daemon prints it and exits with EXIT_CONFIG.
import { readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import type * as z from "zod";
import { ConfigError } from "../errors.js";
import { type Config, configSchema } from "./schema.js";

export const DEFAULT_CONFIG_PATH = "/etc/recoveryd/recoveryd.json";

/** Validates an already-parsed object. */
export function parseConfig(raw: unknown): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw issueToError(result.error.issues[0], raw);
  const cfg = result.data;
  checkThresholds(cfg);
  checkLockout(cfg);
  checkApiTimeouts(cfg);
  checkFactoryPaths(cfg);
  return cfg;
}

/** Reads and validates a configuration file. */
export function loadConfigFile(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError("(file)", file, `cannot be read: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError("(file)", file, `is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(raw);
}

export interface ResolvedPaths {
  configFile: string | undefined;
  stateDir: string;
  runtimeDir: string;
  factoryPath: string | undefined;
}

/**
 * Where the configuration comes from: RECOVERYD_CONFIG, then $CONFIGURATION_DIRECTORY/recoveryd.json,
 * then the default path if it exists. Undefined means "no file": the embedded default.
 */
export function findConfigFile(env: NodeJS.ProcessEnv, exists: (p: string) => boolean): string | undefined {
  if (env.RECOVERYD_CONFIG) return env.RECOVERYD_CONFIG;
  const confDir = firstDir(env.CONFIGURATION_DIRECTORY);
  if (confDir && exists(path.join(confDir, "recoveryd.json"))) return path.join(confDir, "recoveryd.json");
  return exists(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined;
}

/** Environment wins over the file; the local fallback keeps `npm start` self-contained. */
export function resolvePaths(
  cfg: Config,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Omit<ResolvedPaths, "configFile"> {
  const stateDir =
    env.RECOVERYD_STATE_DIR ??
    firstDir(env.STATE_DIRECTORY) ??
    cfg.stateDir ??
    path.join(cwd, ".recoveryd", "state");
  const runtimeDir =
    env.RECOVERYD_RUNTIME_DIR ??
    firstDir(env.RUNTIME_DIRECTORY) ??
    cfg.runtimeDir ??
    path.join(cwd, ".recoveryd", "run");
  const factoryPath = env.RECOVERYD_FACTORY ?? cfg.factoryPath;
  return { stateDir: path.resolve(stateDir), runtimeDir: path.resolve(runtimeDir), factoryPath };
}

/** systemd passes colon-separated lists when a unit names several directories. */
function firstDir(v: string | undefined): string | undefined {
  const first = v?.split(":")[0];
  return first ? first : undefined;
}

function checkThresholds(cfg: Config): void {
  const b = cfg.button;
  if (b.shortMaxMs >= b.credentialMs)
    throw new ConfigError("button.shortMaxMs", b.shortMaxMs, "must be less than button.credentialMs");
  if (b.credentialMs < 3000)
    throw new ConfigError("button.credentialMs", b.credentialMs, "must be at least 3000 ms");
  if (b.factoryMs <= b.credentialMs)
    throw new ConfigError("button.factoryMs", b.factoryMs, "must be greater than button.credentialMs");
  if (b.stuckMs < b.factoryMs + 5000)
    throw new ConfigError("button.stuckMs", b.stuckMs, "must be at least button.factoryMs + 5000 ms");
  if (b.debounceMs * 4 > b.shortMaxMs)
    throw new ConfigError(
      "button.debounceMs",
      b.debounceMs,
      "must be at most a quarter of button.shortMaxMs",
    );
}

function checkLockout(cfg: Config): void {
  if (cfg.lockout.maxSeconds < cfg.lockout.baseSeconds)
    throw new ConfigError(
      "lockout.maxSeconds",
      cfg.lockout.maxSeconds,
      "must be at least lockout.baseSeconds",
    );
}

/** Node will not create an HTTP server whose headers timeout exceeds its request timeout. */
function checkApiTimeouts(cfg: Config): void {
  if (cfg.api.requestTimeoutMs < cfg.api.headersTimeoutMs)
    throw new ConfigError(
      "api.requestTimeoutMs",
      cfg.api.requestTimeoutMs,
      `must be at least api.headersTimeoutMs (${cfg.api.headersTimeoutMs})`,
    );
}

function checkFactoryPaths(cfg: Config): void {
  const fr = cfg.factoryReset;
  for (const [i, p] of fr.preserve.entries()) {
    if (!path.isAbsolute(p))
      throw new ConfigError(`factoryReset.preserve[${i}]`, p, "must be an absolute path");
  }
  for (const [i, r] of fr.restore.entries()) {
    if (!path.isAbsolute(r.path))
      throw new ConfigError(`factoryReset.restore[${i}].path`, r.path, "must be an absolute path");
    if (!path.isAbsolute(r.from))
      throw new ConfigError(`factoryReset.restore[${i}].from`, r.from, "must be an absolute path");
    for (const p of fr.preserve) {
      if (overlaps(r.path, p))
        throw new ConfigError(`factoryReset.restore[${i}].path`, r.path, `overlaps preserve path ${p}`);
      // Through symlinks too (issue 12): /etc/nvr/cfg -> /data/recordings/cfg is an overlap that
      // the paths as written do not show, and the reset would otherwise find it only when it runs.
      const real = [resolveReal(r.path), resolveReal(p)] as const;
      if (overlaps(real[0], real[1]))
        throw new ConfigError(
          `factoryReset.restore[${i}].path`,
          r.path,
          `overlaps preserve path ${p} once symlinks are resolved (${real[0]} and ${real[1]})`,
        );
    }
  }
}

/**
 * The path with every symlink resolved, as far as it exists: the longest existing prefix goes
 * through realpath and the rest is appended (a restore target may not exist yet).
 */
export function resolveReal(p: string): string {
  let head = path.resolve(p);
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(head), ...tail);
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return path.resolve(p);
      tail.unshift(path.basename(head));
      head = parent;
    }
  }
}

/** True when one path is the other or lies inside it. */
export function overlaps(a: string, b: string): boolean {
  const x = path.resolve(a);
  const y = path.resolve(b);
  return (
    x === y ||
    x.startsWith(y.endsWith(path.sep) ? y : y + path.sep) ||
    y.startsWith(x.endsWith(path.sep) ? x : x + path.sep)
  );
}

function issueToError(issue: z.core.$ZodIssue | undefined, raw: unknown): ConfigError {
  if (!issue) return new ConfigError("(root)", raw, "is invalid");
  const segs = [...issue.path];
  if (issue.code === "unrecognized_keys") {
    const key = [...segs, issue.keys[0] ?? "?"].map(String).join(".");
    return new ConfigError(key, valueAt(raw, [...segs, issue.keys[0] ?? ""]), "is not a known key");
  }
  const key = segs.length ? segs.map(String).join(".") : "(root)";
  return new ConfigError(key, valueAt(raw, segs), issue.message);
}

function valueAt(raw: unknown, segs: PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const s of segs) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[s];
  }
  return cur;
}
