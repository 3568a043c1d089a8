// Factory reset steps, refusals and resumption (the crash test kills it; this checks the logic).
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../daemon/clock.js";
import { silentLogger } from "../../daemon/log.js";
import { writeJsonAtomic } from "../../daemon/recovery/atomic-file.js";
import { FactoryResetError } from "../../daemon/recovery/errors.js";
import { FactoryReset, MARKER_FILE, NEW_SUFFIX, OLD_SUFFIX } from "../../daemon/recovery/factory-reset.js";
import { PreserveGuard } from "../../daemon/recovery/preserve-guard.js";
import type { ResetOptions } from "../../daemon/services.js";
import { config, MemoryAudit, tempDir } from "./helpers.js";
import { MemoryAccounts } from "./memory-accounts.js";
import { harness } from "./service-fixture.js";
import { treeHash } from "./tree-hash.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;

/** A recorder: /data/config (dir), /data/net.json (file), /data/recordings (preserve), defaults. */
function layout() {
  const root = path.join(tmp.dir, `r${n++}`);
  const d = (...p: string[]) => path.join(root, ...p);
  mkdirSync(d("defaults", "config", "sub"), { recursive: true });
  writeFileSync(d("defaults", "config", "a.json"), "A-default");
  writeFileSync(d("defaults", "config", "sub", "b.json"), "B-default");
  writeFileSync(d("defaults", "net.json"), "NET-default");
  mkdirSync(d("data", "config"), { recursive: true });
  writeFileSync(d("data", "config", "a.json"), "A-user");
  writeFileSync(d("data", "config", "user-only.json"), "mine");
  writeFileSync(d("data", "net.json"), "NET-user");
  mkdirSync(d("data", "recordings", "cam1"), { recursive: true });
  writeFileSync(d("data", "recordings", "cam1", "0001.mp4"), "video");
  return {
    root,
    d,
    restore: [
      { path: d("data", "config"), from: d("defaults", "config") },
      { path: d("data", "net.json"), from: d("defaults", "net.json") },
      { path: d("data", "fresh"), from: d("defaults", "config", "sub") },
    ],
    preserve: [d("data", "recordings")],
    stateDir: d("state"),
  };
}

function resetter(
  l: ReturnType<typeof layout>,
  extra: Partial<ConstructorParameters<typeof FactoryReset>[0]> = {},
) {
  const accounts = new MemoryAccounts();
  const audit = new MemoryAudit();
  const fr = new FactoryReset({
    stateDir: l.stateDir,
    restore: l.restore,
    preserve: l.preserve,
    credentialReset: (o: ResetOptions) => accounts.credentialReset("factory", o),
    clock: new FakeClock(),
    log: silentLogger(),
    audit,
    ...extra,
  });
  return { fr, accounts, audit };
}

const BUTTON = { openWindow: true, issueSetupToken: false };

describe("factory reset", () => {
  it("resets credentials, restores each path whole, and removes the marker", async () => {
    const l = layout();
    const recordings = treeHash(l.preserve[0] ?? "");
    const steps: string[] = [];
    const { fr, accounts, audit } = resetter(l, { onStep: (s) => void steps.push(s) });
    const out = await fr.run("button", BUTTON);
    expect(out.generation).toBe(2);
    expect(accounts.resets).toEqual([{ reason: "factory", opts: BUTTON, generation: 2 }]);
    expect(treeHash(l.d("data", "config"))).toBe(treeHash(l.d("defaults", "config")));
    expect(existsSync(l.d("data", "config", "user-only.json"))).toBe(false);
    expect(readFileSync(l.d("data", "net.json"), "utf8")).toBe("NET-default");
    expect(readFileSync(l.d("data", "fresh", "b.json"), "utf8")).toBe("B-default");
    expect(treeHash(l.preserve[0] ?? "")).toBe(recordings);
    expect(existsSync(path.join(l.stateDir, MARKER_FILE))).toBe(false);
    expect(steps[0]).toBe("marker-written");
    expect(steps.at(-1)).toBe("marker-removed");
    expect(audit.entries.map((e) => e.fields.outcome)).toEqual(["started", "done"]);
  });

  it("writes the durable intent before anything else", async () => {
    const l = layout();
    let sawMarker: unknown;
    const { fr } = resetter(l, {
      credentialReset: async () => {
        sawMarker = JSON.parse(readFileSync(path.join(l.stateDir, MARKER_FILE), "utf8"));
        return { generation: 9 };
      },
    });
    await fr.run("button", BUTTON);
    expect(sawMarker).toMatchObject({ v: 1, reason: "button", phase: "credentials", openWindow: true });
  });

  it("refuses, changing nothing, when a parent directory is a symlink into a preserve path", async () => {
    const l = layout();
    // /data/config-link -> /data/recordings: lexically no overlap, really inside the recordings.
    symlinkSync(l.d("data", "recordings"), l.d("data", "config-link"));
    const { fr, accounts } = resetter(l, {
      restore: [{ path: l.d("data", "config-link", "cam1"), from: l.d("defaults", "config") }],
    });
    const before = treeHash(l.d("data", "recordings"));
    const err = await fr.run("button", BUTTON).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FactoryResetError);
    expect((err as FactoryResetError).reason).toBe("preserve_overlap");
    expect(accounts.resets).toHaveLength(0);
    expect(existsSync(path.join(l.stateDir, MARKER_FILE))).toBe(false);
    expect(treeHash(l.d("data", "recordings"))).toBe(before);
  });

  it("refuses factory defaults holding a symlink that leads into a preserve path", async () => {
    const l = layout();
    symlinkSync("../recordings/cam1", l.d("defaults", "config", "evil"));
    const { fr, accounts } = resetter(l);
    const err = await fr.run("button", BUTTON).catch((e: unknown) => e);
    expect((err as FactoryResetError).reason).toBe("symlink_into_preserve");
    expect(accounts.resets).toHaveLength(0);
    expect(readFileSync(l.d("data", "config", "a.json"), "utf8")).toBe("A-user");
  });

  it("copies other symlinks verbatim", async () => {
    const l = layout();
    symlinkSync("a.json", l.d("defaults", "config", "current.json"));
    await resetter(l).fr.run("button", BUTTON);
    expect(lstatSync(l.d("data", "config", "current.json")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(l.d("data", "config", "current.json"))).toBe("a.json");
  });

  it("refuses when factory defaults are missing, changing nothing", async () => {
    const l = layout();
    rmSync(l.d("defaults", "net.json"));
    const { fr, accounts, audit } = resetter(l);
    const err = await fr.run("button", BUTTON).catch((e: unknown) => e);
    expect((err as FactoryResetError).reason).toBe("missing_source");
    expect(accounts.resets).toHaveLength(0);
    expect(audit.last()?.fields).toMatchObject({ outcome: "refused", error: "missing_source" });
    expect(readFileSync(l.d("data", "net.json"), "utf8")).toBe("NET-user");
  });

  it("resumes from the marker's phase: no second credential reset after the credential step", async () => {
    const l = layout();
    await writeJsonAtomic(path.join(l.stateDir, MARKER_FILE), {
      v: 1,
      reason: "grant",
      startedAt: "",
      openWindow: false,
      phase: "restore",
    });
    // Leftovers of an interrupted swap.
    mkdirSync(l.d("data", `config${NEW_SUFFIX}`));
    writeFileSync(l.d("data", `config${NEW_SUFFIX}`, "half"), "x");
    writeFileSync(l.d("data", `net.json${OLD_SUFFIX}`), "old");
    const { fr, accounts } = resetter(l);
    expect(await fr.resumeIfPending()).toBe(true);
    expect(accounts.resets).toHaveLength(0);
    expect(treeHash(l.d("data", "config"))).toBe(treeHash(l.d("defaults", "config")));
    expect(existsSync(l.d("data", `config${NEW_SUFFIX}`))).toBe(false);
    expect(existsSync(l.d("data", `net.json${OLD_SUFFIX}`))).toBe(false);
    expect(await fr.resumeIfPending()).toBe(false);
  });

  it("resumes an interrupted credential step with the window choice of the original trigger", async () => {
    const l = layout();
    await writeJsonAtomic(path.join(l.stateDir, MARKER_FILE), {
      v: 1,
      reason: "grant",
      startedAt: "",
      openWindow: false,
      phase: "credentials",
    });
    const { fr, accounts } = resetter(l);
    expect(await fr.resumeIfPending()).toBe(true);
    expect(accounts.resets).toEqual([
      { reason: "factory", opts: { openWindow: false, issueSetupToken: false }, generation: 2 },
    ]);
  });

  it("runs afterCommand once the reset is complete, not when refused", async () => {
    const l = layout();
    const flag = l.d("after-ran");
    const cmd = [process.execPath, "-e", `require("fs").writeFileSync(${JSON.stringify(flag)}, "yes")`];
    const { fr, audit } = resetter(l, { afterCommand: cmd, afterCommandDelayMs: 10 });
    await fr.run("button", BUTTON);
    const end = Date.now() + 5000;
    while (!existsSync(flag) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(flag, "utf8")).toBe("yes");
    while (!audit.of("factory-reset.after-command").length && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20));
    expect(audit.of("factory-reset.after-command")[0]?.fields).toMatchObject({ outcome: "ok", exitCode: 0 });

    const l2 = layout();
    rmSync(l2.d("defaults", "net.json"));
    const ran: string[][] = [];
    const r2 = resetter(l2, {
      afterCommand: ["reboot"],
      afterCommandDelayMs: 0,
      runCommand: async (argv) => {
        ran.push([...argv]);
        return 0;
      },
    });
    await expect(r2.fr.run("button", BUTTON)).rejects.toBeInstanceOf(FactoryResetError);
    await new Promise((r) => setTimeout(r, 30));
    expect(ran).toEqual([]);
  });

  it("the service keeps starting when a pending reset cannot finish, and status shows it pending", async () => {
    const l = layout();
    const cfg = config({ factoryReset: { restore: l.restore, preserve: l.preserve } });
    const h = harness(l.d("svc-state"), { config: cfg });
    await writeJsonAtomic(path.join(l.d("svc-state"), "recovery", MARKER_FILE), {
      v: 1,
      reason: "button",
      startedAt: "",
      openWindow: true,
      phase: "restore",
    });
    rmSync(l.d("defaults", "config"), { recursive: true });
    expect(await h.service.resumeIfPending()).toBe(false);
    expect((await h.service.status()).factoryResetPending).toBe(true);
    expect(h.audit.last()?.fields).toMatchObject({ outcome: "failed" });
    h.service.close();
  });

  it("the button tier through the service opens the window; a grant's does not", async () => {
    const l = layout();
    const h = harness(l.d("svc2"), {
      config: config({ factoryReset: { restore: l.restore, preserve: l.preserve } }),
    });
    await h.service.factoryReset("button");
    expect(h.accounts.resets[0]?.opts).toEqual(BUTTON);
  });
});

describe("preserve guard", () => {
  it("checks the path as written and with its directories' symlinks resolved", async () => {
    const root = path.join(tmp.dir, "guard");
    mkdirSync(path.join(root, "rec", "cam"), { recursive: true });
    symlinkSync(path.join(root, "rec"), path.join(root, "alias"));
    const g = new PreserveGuard([path.join(root, "rec")]);
    await expect(g.assertWritable(path.join(root, "rec"))).rejects.toThrow(FactoryResetError);
    await expect(g.assertWritable(path.join(root, "rec", "cam", "x"))).rejects.toThrow(FactoryResetError);
    await expect(g.assertWritable(path.join(root, "alias", "cam"))).rejects.toThrow(/resolves to/);
    await expect(g.assertWritable(path.join(root))).rejects.toThrow(FactoryResetError); // contains it
    await expect(g.assertWritable(path.join(root, "recx"))).resolves.toBeUndefined();
    // Replacing the symlink itself (rename) writes nothing under the recordings.
    await expect(g.assertWritable(path.join(root, "alias"))).resolves.toBeUndefined();
    await expect(g.assertLinkSafe(path.join(root, "cfg", "l"), "../rec/cam")).rejects.toThrow(
      FactoryResetError,
    );
    await expect(g.assertLinkSafe(path.join(root, "cfg", "l"), "../alias")).rejects.toThrow(
      FactoryResetError,
    );
    await expect(g.assertLinkSafe(path.join(root, "cfg", "l"), "other.json")).resolves.toBeUndefined();
  });
});
