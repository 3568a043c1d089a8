// Issue 16, configuration backup end to end over the real daemon and the reference `age` CLI:
// provision → export → factory reset (signed grant) → setup → restore → byte-identical files;
// the decrypted archive lists with `tar -t` and holds no credential byte; an archive made with
// `tar` + `age -p` restores; every bad input is refused by name and changes nothing.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRequest } from "../../cli/client.js";
import { type ArchiveKit, craftArchive } from "../helpers/backup-archives.js";
import { type ConfigTree, makeConfigTree, snapshot, writeOwnerConfig } from "../helpers/backup-tree.js";
import { type DaemonProcess, makeBaseDir, repoRoot, spawnDaemon } from "../rigs/support/daemon-process.js";

const fixtures = path.join(repoRoot, "test/fixtures/recovery");
const ADMIN = { username: "owner", password: "violet tractor harbour 1987" };
const SECOND = "seven quiet lanterns over the bay";
const PASSPHRASE = "correct horse battery staple 16";

let daemon: DaemonProcess;
let tree: ConfigTree;
let work: string;
const api = (method: string, p: string, body?: unknown, token?: string) =>
  apiRequest(daemon.apiSocket, { method, path: p, body, token });

/** `age` reads a passphrase only from a terminal: `script` gives it one. */
function agePty(args: string[], passphrase: string, twice = false): void {
  const cmd = ["age", ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  execFileSync("script", ["-qec", cmd, "/dev/null"], {
    input: twice ? `${passphrase}\n${passphrase}\n` : `${passphrase}\n`,
    stdio: ["pipe", "ignore", "ignore"],
  });
}

async function login(password: string): Promise<string> {
  const r = await api("POST", "/v1/login", { username: ADMIN.username, password });
  expect(r.status).toBe(200);
  return (r.body as { token: string }).token;
}

async function factoryReset(): Promise<string> {
  const req = (await api("POST", "/v1/recovery/request")).body as { request: unknown };
  const reqFile = path.join(work, `request-${Date.now()}.json`);
  writeFileSync(reqFile, JSON.stringify(req.request));
  const grantFile = `${reqFile}.grant.json`;
  execFileSync(
    process.execPath,
    [
      path.join(repoRoot, "dist/vendor/sign-grant.js"),
      "--request",
      reqFile,
      "--key",
      path.join(fixtures, "vendor-key-7.private.json"),
      "--action",
      "factory-reset",
      "--hours",
      "1",
      "--out",
      grantFile,
    ],
    { stdio: "ignore" },
  );
  const r = await api("POST", "/v1/recovery/grant", JSON.parse(readFileSync(grantFile, "utf8")));
  expect(r.status).toBe(200);
  return (r.body as { setupToken: string }).setupToken;
}

beforeAll(async () => {
  const base = makeBaseDir();
  work = path.join(base, "work");
  mkdirSync(work);
  tree = makeConfigTree(path.join(base, "device"));
  daemon = await spawnDaemon({
    baseDir: base,
    env: { RECOVERYD_FACTORY: path.join(fixtures, "factory-data.json") },
    config: { ...tree.config, setupWindow: { openAtBoot: true } },
  });
  expect((await api("POST", "/v1/setup", ADMIN)).status).toBe(201);
});
afterAll(async () => {
  await daemon?.stop();
});

describe("configuration backup", () => {
  let exported: string;
  let ownerConfig: Record<string, string>;
  let secrets: Buffer[];

  it("exports to the USB folder; `age -d` decrypts it, `tar -t` lists it; no credential byte inside", async () => {
    const session = await login(ADMIN.password);
    const apiToken = (
      (await api("POST", "/v1/tokens", { name: "nvr-app" }, session)).body as { token: string }
    ).token;
    ownerConfig = snapshot([tree.schedule, tree.network]);
    const r = await api("POST", "/v1/backup", { passphrase: PASSPHRASE }, session);
    expect(r.status).toBe(201);
    const { file, manifest } = r.body as {
      file: string;
      manifest: { model: string; files: { path: string }[] };
    };
    exported = file;
    expect(path.dirname(file)).toBe(tree.usb);
    expect(manifest.model).toBe("NVR-8 KAT");
    expect(manifest.files.map((f) => f.path)).toContain(path.join(tree.schedule, "cameras/cam3.json"));

    const plain = path.join(work, "export.tar");
    agePty(["-d", "-o", plain, file], PASSPHRASE);
    const listing = execFileSync("tar", ["-tf", plain], { encoding: "utf8" }).trim().split("\n");
    expect(listing[0]).toBe("manifest.json");
    expect(listing).toContain(`config${tree.network}`);
    expect(listing).toContain(`config${tree.schedule}/cameras/cam4.json`);

    // The credential material as it is on disk right now.
    const db = new Database(path.join(daemon.stateDir, "credentials.db"), { readonly: true });
    const hashes = db.prepare("SELECT hash FROM accounts").all() as { hash: string }[];
    db.close();
    secrets = [Buffer.from(session), Buffer.from(apiToken), Buffer.from(ADMIN.password)];
    for (const { hash } of hashes) {
      const [, , , , salt, digest] = hash.split("$");
      secrets.push(Buffer.from(hash), Buffer.from(salt as string), Buffer.from(salt as string, "base64"));
      secrets.push(Buffer.from(digest as string), Buffer.from(digest as string, "base64"));
    }
    for (const n of readdirSync(daemon.stateDir).filter((x) => /pepper/.test(x))) {
      const p = readFileSync(path.join(daemon.stateDir, n));
      secrets.push(p, Buffer.from(p.toString("hex")), Buffer.from(p.toString("base64")));
    }
    expect(secrets.length).toBeGreaterThan(6);
    const archive = readFileSync(plain);
    for (const s of secrets)
      expect(archive.includes(s), `secret of ${s.length} bytes in the archive`).toBe(false);
    expect(archive.includes(Buffer.from("SQLite format 3"))).toBe(false);
  });

  it("factory reset → setup → restore brings the files back byte-identical", async () => {
    const setupToken = await factoryReset();
    expect(snapshot([tree.schedule, tree.network])).not.toEqual(ownerConfig);
    expect(readFileSync(tree.network, "utf8")).toBe('{"dhcp":true}\n');
    expect((await api("POST", "/v1/setup", { ...ADMIN, password: SECOND, setupToken })).status).toBe(201);
    const session = await login(SECOND);
    const r = await api("POST", "/v1/backup/restore", { file: exported, passphrase: PASSPHRASE }, session);
    expect(r.status).toBe(200);
    expect((r.body as { restored: string[] }).restored).toEqual([tree.schedule, tree.network]);
    expect(snapshot([tree.schedule, tree.network])).toEqual(ownerConfig);
    // Nothing of the old credentials came back.
    expect((await api("POST", "/v1/login", ADMIN)).status).toBe(401);
    expect(readdirSync(tree.recordings)).toEqual(["cam1-0001.mp4"]);
  });

  it("restores an archive made with tar + `age -p`", async () => {
    const session = await login(SECOND);
    const stage = path.join(work, "handmade");
    const files: { path: string; size: number; sha256: string }[] = [];
    const write = (abs: string, text: string) => {
      mkdirSync(path.dirname(path.join(stage, "config", abs)), { recursive: true });
      writeFileSync(path.join(stage, "config", abs), text);
      files.push({
        path: abs,
        size: Buffer.byteLength(text),
        sha256: createHash("sha256").update(text).digest("hex"),
      });
    };
    write(tree.network, '{"dhcp":false,"address":"10.0.0.9/8"}');
    const manifest = {
      type: "recoveryd-config-backup",
      v: 1,
      model: "NVR-8 KAT",
      deviceId: "NVR8-2026-000042",
      productVersion: "0.1.0",
      createdAt: new Date().toISOString(),
      roots: [{ path: tree.network, kind: "file" }],
      files,
    };
    writeFileSync(path.join(stage, "manifest.json"), JSON.stringify(manifest));
    const tarFile = path.join(work, "handmade.tar");
    execFileSync("tar", ["-cf", tarFile, "-C", stage, "manifest.json", `config${tree.network}`]);
    const ageFile = path.join(work, "handmade.tar.age");
    agePty(["-p", "-o", ageFile, tarFile], PASSPHRASE, true);
    const r = await api("POST", "/v1/backup/restore", { file: ageFile, passphrase: PASSPHRASE }, session);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(readFileSync(tree.network, "utf8")).toBe('{"dhcp":false,"address":"10.0.0.9/8"}');
  });

  it("X25519 recipient: export to age1…, decrypt with `age -d -i`, restore with the identity", async () => {
    const session = await login(SECOND);
    const keyFile = path.join(work, "owner.key");
    execFileSync("age-keygen", ["-o", keyFile], { stdio: "ignore" });
    const identity = readFileSync(keyFile, "utf8");
    const recipient = execFileSync("age-keygen", ["-y", keyFile], { encoding: "utf8" }).trim();
    writeOwnerConfig(tree, "x25519");
    const want = snapshot([tree.schedule, tree.network]);
    const r = await api("POST", "/v1/backup", { recipient, to: path.join(work, "x.age") }, session);
    expect(r.status).toBe(201);
    execFileSync("age", ["-d", "-i", keyFile, "-o", path.join(work, "x.tar"), path.join(work, "x.age")]);
    expect(execFileSync("tar", ["-tf", path.join(work, "x.tar")], { encoding: "utf8" })).toContain(
      "manifest.json",
    );
    writeOwnerConfig(tree, "changed-after");
    const back = await api(
      "POST",
      "/v1/backup/restore",
      { file: path.join(work, "x.age"), identity },
      session,
    );
    expect(back.status).toBe(200);
    expect(snapshot([tree.schedule, tree.network])).toEqual(want);
  });

  it("refuses every bad input by name and changes nothing", async () => {
    const session = await login(SECOND);
    const before = snapshot([tree.schedule, tree.network]);
    const good = readFileSync(exported);
    const bad = (name: string, bytes: Buffer) => {
      const f = path.join(work, name);
      writeFileSync(f, bytes);
      return f;
    };
    const flipped = Buffer.from(good);
    flipped[flipped.length - 40] = (flipped[flipped.length - 40] as number) ^ 0x01;
    // Hand-made archives that decrypt fine but must not be applied.
    const kit: ArchiveKit = {
      work,
      keyFile: path.join(work, "owner.key"),
      network: tree.network,
      model: "NVR-8 KAT",
    };
    const crafted = (name: string, mutate: (m: Record<string, unknown>, stage: string) => string[]) =>
      craftArchive(kit, name, mutate);
    const identity = readFileSync(path.join(work, "owner.key"), "utf8");
    const net = `config${tree.network}`;
    const cases: [string, Record<string, unknown>, string][] = [
      ["wrong passphrase", { file: exported, passphrase: "not the passphrase at all" }, "backup_wrong_key"],
      [
        "truncated",
        { file: bad("trunc.age", good.subarray(0, good.length - 100)), passphrase: PASSPHRASE },
        "backup_corrupt",
      ],
      ["bit flipped", { file: bad("flip.age", flipped), passphrase: PASSPHRASE }, "backup_corrupt"],
      [
        "another model",
        {
          file: crafted("model", (m) => {
            m.model = "NVR-16 OTHER";
            return [net];
          }),
          identity,
        },
        "backup_model_mismatch",
      ],
      [
        "newer format",
        {
          file: crafted("version", (m) => {
            m.v = 2;
            return [net];
          }),
          identity,
        },
        "backup_version_unsupported",
      ],
      [
        "credential path",
        {
          file: crafted("cred", (m, stage) => {
            const db = path.join(daemon.stateDir, "credentials.db");
            mkdirSync(path.join(stage, "config", daemon.stateDir), { recursive: true });
            writeFileSync(path.join(stage, "config", db), "x");
            (m.roots as unknown[]).push({ path: db, kind: "file" });
            return [net, `config${db}`];
          }),
          identity,
        },
        "backup_credential_path",
      ],
      [
        "symlink",
        {
          file: crafted("link", (_m, stage) => {
            execFileSync("ln", ["-s", "/etc/passwd", path.join(stage, "config", tree.schedule)]);
            return [net, `config${tree.schedule}`];
          }),
          identity,
        },
        "backup_unsafe_entry",
      ],
      [
        "hash mismatch",
        {
          file: crafted("hash", (m) => {
            ((m.files as { sha256: string }[])[0] as { sha256: string }).sha256 = "0".repeat(64);
            return [net];
          }),
          identity,
        },
        "backup_hash_mismatch",
      ],
      [
        "unknown path",
        {
          file: crafted("unknown", (_m, stage) => {
            mkdirSync(path.join(stage, "config/etc/shadow.d"), { recursive: true });
            writeFileSync(path.join(stage, "config/etc/shadow.d/x"), "x");
            return [net, "config/etc/shadow.d/x"];
          }),
          identity,
        },
        "backup_unknown_path",
      ],
    ];
    for (const [what, body, code] of cases) {
      const r = await api("POST", "/v1/backup/restore", body, session);
      expect(r.status, what).toBeGreaterThanOrEqual(400);
      expect((r.body as { error: { code: string } }).error.code, what).toBe(code);
      expect(snapshot([tree.schedule, tree.network]), what).toEqual(before);
    }
    const restoreMarker = readdirSync(daemon.stateDir).filter((n) => n.includes("backup-restore"));
    expect(restoreMarker).toEqual([]);
    // Without a session, nothing at all.
    expect((await api("POST", "/v1/backup/restore", { file: exported, passphrase: PASSPHRASE })).status).toBe(
      401,
    );
  });
});
