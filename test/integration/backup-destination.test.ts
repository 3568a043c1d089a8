// A backup's destination (`to`) comes from an admin's request: a place that cannot hold a file is
// a clear 400 backup_io, never a hang that keeps the backup lock (a path under /proc looped in
// mkdir forever, so every later backup was 409 backup_busy), never a 500 (a path below a regular
// file), and never a folder tree the daemon made up (a missing folder was created, as root,
// anywhere on the disk). Found by the OpenAPI conformance work (issue 15 note).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRequest } from "../../cli/client.js";
import { makeConfigTree } from "../helpers/backup-tree.js";
import { type DaemonProcess, makeBaseDir, spawnDaemon } from "../rigs/support/daemon-process.js";

const ADMIN = { username: "owner", password: "violet tractor harbour 1987" };
const PASSPHRASE = "correct horse battery staple 16";

let daemon: DaemonProcess;
let work: string;
let token: string;

const api = (method: string, p: string, body?: unknown) =>
  apiRequest(daemon.apiSocket, { method, path: p, body, token });

/** The request must be answered, not left hanging: at most 10 s. */
async function backupTo(to: string): Promise<{ status: number; code?: string }> {
  const answer = api("POST", "/v1/backup", { passphrase: PASSPHRASE, to });
  const hung = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`POST /v1/backup to ${to} never answered`)), 10_000),
  );
  const r = await Promise.race([answer, hung]);
  return { status: r.status, code: (r.body as { error?: { code: string } }).error?.code };
}

beforeAll(async () => {
  const base = makeBaseDir();
  work = path.join(base, "work");
  mkdirSync(work);
  const tree = makeConfigTree(path.join(base, "device"));
  daemon = await spawnDaemon({
    baseDir: base,
    config: { ...tree.config, setupWindow: { openAtBoot: true } },
  });
  expect(
    (await apiRequest(daemon.apiSocket, { method: "POST", path: "/v1/setup", body: ADMIN })).status,
  ).toBe(201);
  const r = await apiRequest(daemon.apiSocket, { method: "POST", path: "/v1/login", body: ADMIN });
  token = (r.body as { token: string }).token;
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
});

describe("backup destinations that cannot hold a file", () => {
  it("a path under /proc is 400 backup_io, and the next backup is not busy", {
    timeout: 40_000,
  }, async () => {
    expect(await backupTo("/proc/recoveryd-test/backup.age")).toEqual({ status: 400, code: "backup_io" });
    expect((await backupTo(path.join(work, "after-proc.age"))).status).toBe(201);
  });

  it("a path below a regular file is 400 backup_io, not 500", { timeout: 30_000 }, async () => {
    const file = path.join(work, "a-file");
    writeFileSync(file, "x");
    expect(await backupTo(path.join(file, "backup.age"))).toEqual({ status: 400, code: "backup_io" });
  });

  it("a folder that does not exist is refused and not created", { timeout: 30_000 }, async () => {
    const missing = path.join(work, "no-such-stick", "sub");
    expect(await backupTo(path.join(missing, "backup.age"))).toEqual({ status: 400, code: "backup_io" });
    expect(existsSync(path.join(work, "no-such-stick"))).toBe(false);
  });

  it("an existing folder still gets a named file, and a file path in an existing folder is used as is", {
    timeout: 30_000,
  }, async () => {
    expect((await backupTo(work)).status).toBe(201);
    expect((await backupTo(path.join(work, "named.age"))).status).toBe(201);
    expect(existsSync(path.join(work, "named.age"))).toBe(true);
  });
});
