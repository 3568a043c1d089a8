import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  findConfigFile,
  loadConfigFile,
  overlaps,
  parseConfig,
  resolvePaths,
} from "../../daemon/config/load.js";
import { ConfigError } from "../../daemon/errors.js";

function refusal(raw: unknown): ConfigError {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("configuration was accepted");
}

describe("parseConfig", () => {
  it("accepts an empty object and fills the spec defaults", () => {
    const cfg = parseConfig({});
    expect(cfg.board).toBe("sim");
    expect(cfg.button).toMatchObject({
      debounceMs: 30,
      shortMaxMs: 2000,
      credentialMs: 5000,
      factoryMs: 15000,
      stuckMs: 30000,
      confirmWindowMs: 10000,
    });
    expect(cfg.argon2).toMatchObject({ memoryKiB: 19456, timeCost: 2, parallelism: 1, maxConcurrent: 1 });
    expect(cfg.lockout).toMatchObject({
      threshold: 5,
      baseSeconds: 300,
      maxSeconds: 3600,
      maxFailuresPerHour: 100,
    });
    expect(cfg.setupWindow.minutes).toBe(15);
    expect(cfg.password.minLength).toBe(15);
  });

  it("names an unknown key", () => {
    const err = refusal({ button: { debounceMs: 30, holdMs: 5 } });
    expect(err.key).toBe("button.holdMs");
    expect(err.value).toBe(5);
    expect(err.rule).toMatch(/not a known key/);
    expect(err.message).toBe('configuration key "button.holdMs" = 5: is not a known key');
  });

  it("names a wrongly typed key", () => {
    const err = refusal({ board: "raspberry" });
    expect(err.key).toBe("board");
    expect(err.value).toBe("raspberry");
    expect(err.message).toContain('"raspberry"');
    const err2 = refusal({ argon2: { memoryKiB: "lots" } });
    expect(err2.key).toBe("argon2.memoryKiB");
  });

  it("refuses argon2 parameters below the floor", () => {
    expect(refusal({ argon2: { memoryKiB: 4096 } }).key).toBe("argon2.memoryKiB");
    expect(refusal({ argon2: { timeCost: 1 } }).key).toBe("argon2.timeCost");
  });

  it("refuses unsafe button thresholds", () => {
    expect(refusal({ button: { credentialMs: 2500, shortMaxMs: 1000 } }).rule).toMatch(/at least 3000/);
    expect(refusal({ button: { factoryMs: 4000 } }).key).toBe("button.factoryMs");
    const stuck = refusal({ button: { stuckMs: 19000 } });
    expect(stuck.key).toBe("button.stuckMs");
    expect(stuck.rule).toMatch(/factoryMs \+ 5000/);
    expect(refusal({ button: { shortMaxMs: 6000 } }).key).toBe("button.shortMaxMs");
  });

  it("refuses a password minimum under 8", () => {
    expect(refusal({ password: { minLength: 6 } }).key).toBe("password.minLength");
  });

  it("refuses a restore path that overlaps a preserve path", () => {
    const err = refusal({
      factoryReset: {
        preserve: ["/var/lib/recordings"],
        restore: [{ path: "/var/lib", from: "/usr/share/factory/lib" }],
      },
    });
    expect(err.key).toBe("factoryReset.restore[0].path");
    expect(err.rule).toMatch(/overlaps preserve path/);
    expect(refusal({ factoryReset: { preserve: ["relative/dir"] } }).rule).toMatch(/absolute/);
  });
});

describe("overlaps", () => {
  it("treats a path inside another as overlapping, siblings with a shared prefix not", () => {
    expect(overlaps("/a/b", "/a")).toBe(true);
    expect(overlaps("/a", "/a/b/c")).toBe(true);
    expect(overlaps("/a/b", "/a/b/")).toBe(true);
    expect(overlaps("/a/bc", "/a/b")).toBe(false);
  });
});

describe("files and paths", () => {
  it("reads a file and reports bad JSON with the file name", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "recoveryd-cfg-"));
    const good = path.join(dir, "good.json");
    writeFileSync(good, JSON.stringify({ board: "sim", sim: { buttonInitiallyPressed: true } }));
    expect(loadConfigFile(good).sim.buttonInitiallyPressed).toBe(true);
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, "{ board: sim");
    expect(() => loadConfigFile(bad)).toThrow(/not valid JSON/);
    expect(() => loadConfigFile(path.join(dir, "missing.json"))).toThrow(/cannot be read/);
  });

  it("lets the environment win over the file, and systemd's directories over the defaults", () => {
    const cfg = parseConfig({ stateDir: "/from/file" });
    expect(resolvePaths(cfg, { RECOVERYD_STATE_DIR: "/env/state" }, "/cwd").stateDir).toBe("/env/state");
    expect(resolvePaths(cfg, { STATE_DIRECTORY: "/var/lib/recoveryd:/x" }, "/cwd").stateDir).toBe(
      "/var/lib/recoveryd",
    );
    expect(resolvePaths(parseConfig({}), {}, "/cwd").runtimeDir).toBe("/cwd/.recoveryd/run");
    expect(findConfigFile({ RECOVERYD_CONFIG: "/x.json" }, () => false)).toBe("/x.json");
    expect(findConfigFile({ CONFIGURATION_DIRECTORY: "/etc/recoveryd" }, () => true)).toBe(
      "/etc/recoveryd/recoveryd.json",
    );
    expect(findConfigFile({}, () => false)).toBeUndefined();
  });
});
