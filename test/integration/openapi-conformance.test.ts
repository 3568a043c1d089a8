// Issue 15: the OpenAPI document against the real daemon over its Unix socket. Every example in
// the document is sent, every answer is validated with Ajv against the document's schema for
// its status, and the test fails unless every operation's success and every documented error
// code was seen (except the few listed in NOT_DRIVEN, each with the reason it cannot be driven
// from here). Three daemons: with factory data, without (recovery 503), and with a mail relay.
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD } from "../../daemon/api/openapi/operations.js";
import { MAX_LOG_N } from "../../daemon/backup/age.js";
import { MAX_BACKUP_BYTES } from "../../daemon/backup/manifest.js";
import { SimClient } from "../../hal/sim/control-client.js";
import { craftArchive, identityOf, makeIdentity, withScryptWork } from "../helpers/backup-archives.js";
import { makeConfigTree } from "../helpers/backup-tree.js";
import { TestMounts } from "../helpers/mounts.js";
import { codeIn, mailConfig, startRelay, type TestRelay } from "../helpers/smtp.js";
import { type DaemonProcess, makeBaseDir, repoRoot, spawnDaemon } from "../rigs/support/daemon-process.js";
import { fixtures, spawnWithFactory, vendorCode } from "./support/adversary.js";
import { checkedApi, OpenApiChecker, rawCall } from "./support/openapi-check.js";

/** Documented codes this test cannot provoke from outside, and why (each is tested elsewhere or is a bug). */
const NOT_DRIVEN: Record<string, string> = {
  "* 500 internal": "only a bug answers 500",
};

const KEY = path.join(fixtures, "vendor-key-7.private.json");
const sticker = (
  JSON.parse(readFileSync(path.join(fixtures, "security-code-kat.json"), "utf8")) as { stickerText: string }
).stickerText;
const checker = new OpenApiChecker();
const mounts = new TestMounts();
const daemons: DaemonProcess[] = [];
let relay: TestRelay | undefined;

type Call = ReturnType<typeof checkedApi>;
const tokenOf = (r: { body: unknown }) => (r.body as { token: string }).token;

beforeAll(async () => {
  relay = await startRelay();
});
afterAll(async () => {
  for (const d of daemons) await d.stop();
  mounts.releaseAll();
  await relay?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** 401 twice and 403 for every operation that needs a bearer token or an admin. */
async function authRefusals(call: Call, operatorToken: string): Promise<void> {
  for (const [tpl, item] of Object.entries(
    checker.doc.paths as Record<string, Record<string, Record<string, unknown>>>,
  )) {
    for (const [m, op] of Object.entries(item)) {
      const sec = (op.security as unknown[]) ?? [];
      if (sec.length !== 1) continue;
      const concrete = tpl.replace("{name}", "nobody").replace("{id}", "0123456789abcdef");
      const method = m.toUpperCase();
      await call(method, concrete);
      await call(method, concrete, undefined, "rds_not-a-real-token");
      if (op["x-recoveryd-role"] === "admin") await call(method, concrete, undefined, operatorToken);
    }
  }
}

describe("OpenAPI conformance over the real socket", { timeout: 300_000 }, () => {
  it("a recorder with factory data: every path, its examples and its refusals", async () => {
    const dir = path.join(repoRootTmp(), "backups");
    const d = await spawnWithFactory({
      config: {
        lockout: { threshold: 2, baseSeconds: 600, maxSeconds: 3600 },
        recovery: { challengeMinIntervalSeconds: 1 },
        sessions: { maxTokensPerAccount: 2 },
        // headersTimeoutMs must not exceed requestTimeoutMs (Node refuses to listen otherwise).
        api: { maxConnections: 8, headersTimeoutMs: 2000, requestTimeoutMs: 2000 },
      },
    });
    daemons.push(d);
    mkdirSync(dir, { recursive: true });
    const call = checkedApi(checker, d.apiSocket);
    const ex = (m: string, p: string) => checker.example(m, p);

    await call("GET", "/v1/status");
    const doc = await call("GET", "/v1/openapi.json");
    expect(doc.body).toEqual(checker.doc);

    // Setup and login.
    await call("POST", "/v1/setup", { username: "Not Valid", password: PASSWORD });
    await call("POST", "/v1/setup", { username: "owner", password: "short" });
    expect((await call("POST", "/v1/setup", ex("POST", "/v1/setup"))).status).toBe(201);
    await call("POST", "/v1/setup", ex("POST", "/v1/setup"));
    await call("POST", "/v1/login", { username: "owner" });
    await call("POST", "/v1/login", { username: "owner", password: "wrong wrong wrong wrong" });
    const owner = tokenOf(await call("POST", "/v1/login", ex("POST", "/v1/login")));
    await call("GET", "/v1/session", undefined, owner);
    await call("GET", "/v1/status", undefined, owner);

    // Users.
    await call("GET", "/v1/users", undefined, owner);
    const operator = ex("POST", "/v1/users") as { username: string; password: string };
    expect((await call("POST", "/v1/users", operator, owner)).status).toBe(201);
    await call("POST", "/v1/users", operator, owner);
    await call("POST", "/v1/users", { ...operator, username: "second", password: "short" }, owner);
    await call("POST", "/v1/users", { username: "x" }, owner);
    const opLogin = { username: operator.username, password: operator.password };
    const opToken = tokenOf(await call("POST", "/v1/login", opLogin));
    await call(
      "POST",
      "/v1/users",
      { username: "viewer1", password: "amber kettle window 2025", role: "viewer" },
      owner,
    );
    await call("DELETE", "/v1/users/viewer1", undefined, owner);
    await call("DELETE", "/v1/users/Not%20Valid", undefined, owner);
    await call("DELETE", "/v1/users/nobody", undefined, owner);
    await call("DELETE", "/v1/users/owner", undefined, owner);
    await authRefusals(call, opToken);

    // Tokens.
    const created = await call("POST", "/v1/tokens", ex("POST", "/v1/tokens"), owner);
    await call("POST", "/v1/tokens", { name: "second" }, owner);
    await call("POST", "/v1/tokens", { name: "third" }, owner);
    await call("POST", "/v1/tokens", { name: "not valid" }, owner);
    await call("GET", "/v1/tokens", undefined, owner);
    await call("GET", "/v1/tokens?user=owner", undefined, opToken);
    await call("GET", "/v1/tokens?user=Not%20Valid", undefined, owner);
    await call("DELETE", "/v1/tokens/zz", undefined, owner);
    await call("DELETE", "/v1/tokens/0123456789abcdef", undefined, owner);
    await call("DELETE", `/v1/tokens/${(created.body as { id: string }).id}`, undefined, owner);

    // Audit.
    await call("GET", "/v1/audit", undefined, owner);
    await call("GET", "/v1/audit?limit=0", undefined, owner);
    await call("GET", "/v1/audit/verify", undefined, owner);

    // Mail without a relay, forgot password.
    await call("GET", "/v1/account/email", undefined, owner);
    await call("POST", "/v1/account/email", ex("POST", "/v1/account/email"), owner);
    await call("POST", "/v1/account/email", { email: 5 }, owner);
    await call("POST", "/v1/account/email/verify", ex("POST", "/v1/account/email/verify"), owner);
    await call("POST", "/v1/account/email/verify", {}, owner);
    await call("POST", "/v1/account/email/test", undefined, owner);
    await call("POST", "/v1/recovery/forgot", ex("POST", "/v1/recovery/forgot"));
    await call("POST", "/v1/recovery/forgot", { username: "Not Valid" });
    await call("POST", "/v1/recovery/forgot/confirm", ex("POST", "/v1/recovery/forgot/confirm"));
    await call("POST", "/v1/recovery/forgot/confirm", {});

    // Backup.
    const backupKey = { passphrase: "correct horse battery staple" };
    await call("POST", "/v1/backup", ex("POST", "/v1/backup"), owner);
    await call("POST", "/v1/backup", backupKey, owner);
    await call("POST", "/v1/backup", { passphrase: "short", to: dir }, owner);
    await call("POST", "/v1/backup", { recipient: "age1notarecipient", to: dir }, owner);
    await call("POST", "/v1/backup", {}, owner);
    const exported = await call("POST", "/v1/backup", { ...backupKey, to: dir }, owner);
    const file = (exported.body as { file: string }).file;
    await call("POST", "/v1/backup/restore", ex("POST", "/v1/backup/restore"), owner);
    await call("POST", "/v1/backup/restore", { file, ...backupKey }, owner);
    await call("POST", "/v1/backup/restore", { file, passphrase: "the wrong passphrase" }, owner);
    await call("POST", "/v1/backup/restore", { file, identity: "AGE-SECRET-KEY-1NOTAKEY" }, owner);
    const garbage = path.join(dir, "garbage.age");
    writeFileSync(garbage, "not an age file\n");
    await call("POST", "/v1/backup/restore", { file: garbage, ...backupKey }, owner);
    await call("POST", "/v1/backup/restore", { file: "relative" }, owner);

    // Password change, lockout, logout.
    await call("POST", "/v1/password", {}, owner);
    await call("POST", "/v1/password", { currentPassword: PASSWORD, newPassword: "short" }, owner);
    await call(
      "POST",
      "/v1/password",
      { currentPassword: "wrong wrong wrong wrong", newPassword: "quiet otter juggles nine plums" },
      owner,
    );
    await call("POST", "/v1/password", ex("POST", "/v1/password"), owner);
    for (let i = 0; i < 3; i++)
      await call("POST", "/v1/login", { username: operator.username, password: "wrong wrong wrong" });
    await call("POST", "/v1/logout", undefined, owner);

    // Recovery requests and grants.
    await call("GET", "/v1/recovery/request");
    await call("GET", "/v1/recovery/request?usb=2");
    await call("POST", "/v1/recovery/request?usb=2");
    await call("POST", "/v1/recovery/request?usb=1");
    const req = await call("POST", "/v1/recovery/request");
    await call("POST", "/v1/recovery/request");
    await call("GET", "/v1/recovery/request");
    await call("GET", "/v1/recovery/request?usb=1");
    await call("POST", "/v1/recovery/grant", ex("POST", "/v1/recovery/grant"));
    await call("POST", "/v1/recovery/grant", {});
    await call("POST", "/v1/recovery/grant", signGrant(JSON.stringify(req.body)));

    // Unlock and the security code (the resets leave the recorder at first boot).
    await call("POST", "/v1/recovery/challenge");
    await call("POST", "/v1/recovery/challenge");
    await call("POST", "/v1/recovery/unlock", ex("POST", "/v1/recovery/unlock"));
    await call("POST", "/v1/recovery/unlock", { code: "" });
    await call("POST", "/v1/recovery/unlock", { code: "ABCD2345" });
    await call("POST", "/v1/recovery/unlock", { code: "ABCD2345" });
    await new Promise((r) => setTimeout(r, 1100));
    const ch = (await call("POST", "/v1/recovery/challenge")).body as { challenge: string; id: string };
    await call("POST", "/v1/recovery/unlock", { code: vendorCode(ch.challenge), challengeId: ch.id });
    await call("POST", "/v1/setup", { username: "owner", password: PASSWORD, setupToken: "not-the-token" });
    await call("POST", "/v1/recovery/security-code", {});
    for (let i = 0; i < 3; i++)
      await call("POST", "/v1/recovery/security-code", { securityCode: "AAAABBBBCCCCDDDD" });

    await eventStreams(d.apiSocket);
    await commonErrors(d.apiSocket);

    // Eight live challenges at most (one a second here): the ninth waits for the oldest to expire.
    for (let i = 0; i < 12; i++) {
      await new Promise((r) => setTimeout(r, 1050));
      const r = await call("POST", "/v1/recovery/challenge");
      if ((r.body as { error?: { code: string } }).error?.code === "challenges_full") break;
    }
  });

  it("a recorder without factory data: every recovery path answers 409 recovery_refused (unavailable)", async () => {
    const d = await spawnDaemon({});
    daemons.push(d);
    const call = checkedApi(checker, d.apiSocket);
    await call("POST", "/v1/recovery/security-code", { securityCode: sticker });
    await call("POST", "/v1/recovery/challenge");
    await call("POST", "/v1/recovery/unlock", { code: "ABCD2345" });
    await call("GET", "/v1/recovery/request");
    await call("POST", "/v1/recovery/request");
    await call("POST", "/v1/recovery/grant", checker.example("POST", "/v1/recovery/grant"));
  });

  it("a recorder with a mail relay and a USB folder: the email paths, forgot password, USB, sticker code", async () => {
    if (!relay) throw new Error("no relay");
    const usbDir = path.join(repoRootTmp(), "usb");
    mkdirSync(usbDir, { recursive: true });
    const d = await spawnWithFactory({
      config: {
        mail: mailConfig(relay),
        recovery: { usbDir },
        lockout: { threshold: 2, baseSeconds: 600, maxSeconds: 3600 },
      },
    });
    daemons.push(d);
    const call = checkedApi(checker, d.apiSocket);
    const admin = { username: "owner", password: PASSWORD };
    await call("POST", "/v1/setup", admin);
    const owner = tokenOf(await call("POST", "/v1/login", admin));
    await call("POST", "/v1/account/email/test", undefined, owner);
    const address = "owner@home.example.test";
    const since = relay.messages.length;
    await call("POST", "/v1/account/email", { email: address, password: PASSWORD }, owner);
    const mail = await relay.waitFor(
      (m) =>
        relay?.messages.indexOf(m) !== undefined &&
        (relay?.messages.indexOf(m) ?? 0) >= since &&
        m.to.includes(address),
    );
    await call("POST", "/v1/account/email/verify", { code: "AAAAAAAA" }, owner);
    await call("POST", "/v1/account/email/verify", { code: codeIn(mail) }, owner);
    await call("GET", "/v1/account/email", undefined, owner);
    await call("POST", "/v1/account/email/test", undefined, owner);
    const before = relay.messages.length;
    await call("POST", "/v1/recovery/forgot", { username: "owner" });
    const codeMail = await relay.waitFor(
      (m) => (relay?.messages.indexOf(m) ?? 0) >= before && /reset code/.test(m.headers.subject ?? ""),
    );
    const code = codeIn(codeMail);
    await call("POST", "/v1/recovery/forgot/confirm", { username: "owner", code, newPassword: "short" });
    await call("POST", "/v1/recovery/forgot/confirm", {
      username: "owner",
      code,
      newPassword: "copper lantern meadow 2031",
    });
    const again = tokenOf(
      await call("POST", "/v1/login", { username: "owner", password: "copper lantern meadow 2031" }),
    );
    for (let i = 0; i < 3; i++)
      await call("POST", "/v1/account/email", { email: address, password: "wrong wrong wrong wrong" }, again);
    await call("POST", "/v1/recovery/request?usb=1");
    await call("GET", "/v1/recovery/request?usb=1");
    await call("POST", "/v1/recovery/security-code", checker.example("POST", "/v1/recovery/security-code"));
  });

  it("a recorder with configuration to back up: every export and restore refusal", async () => {
    const root = path.join(repoRootTmp(), "backup-device");
    const tree = makeConfigTree(root);
    const work = path.join(root, "work");
    mkdirSync(work, { recursive: true });
    const d = await spawnWithFactory({ config: tree.config });
    daemons.push(d);
    const call = checkedApi(checker, d.apiSocket);
    const admin = { username: "owner", password: PASSWORD };
    await call("POST", "/v1/setup", admin);
    const owner = tokenOf(await call("POST", "/v1/login", admin));
    const passphrase = "correct horse battery staple 16";

    // Two at once: one of them finds the other running (the passphrase's scrypt takes a while).
    // Up to three rounds, for a machine so loaded that the first ends before the second arrives.
    const good = path.join(work, "good.age");
    for (let round = 0; round < 3; round++) {
      const exports = await Promise.all([
        call("POST", "/v1/backup", { passphrase, to: good }, owner),
        call("POST", "/v1/backup", { passphrase, to: path.join(work, `second-${round}.age`) }, owner),
      ]);
      const restores = await Promise.all([
        call("POST", "/v1/backup/restore", { file: good, passphrase }, owner),
        call("POST", "/v1/backup/restore", { file: good, passphrase }, owner),
      ]);
      if ([...exports, ...restores].filter((r) => r.status === 409).length === 2) break;
    }
    // A destination below a file cannot be written.
    await call("POST", "/v1/backup", { passphrase, to: path.join(tree.network, "x.age") }, owner);

    // Export refusals: a FIFO in a restore path, then more bytes than the cap (a sparse file).
    const fifo = path.join(tree.schedule, "pipe");
    execFileSync("mkfifo", [fifo]);
    await call("POST", "/v1/backup", { passphrase, to: path.join(work, "fifo.age") }, owner);
    rmSync(fifo);
    const big = path.join(tree.schedule, "huge.bin");
    writeFileSync(big, "");
    truncateSync(big, MAX_BACKUP_BYTES + 1);
    await call("POST", "/v1/backup", { passphrase, to: path.join(work, "big.age") }, owner);
    rmSync(big);

    // Restore refusals: archives made with tar and the age CLI, each wrong in one way.
    const kit = { work, keyFile: makeIdentity(work), network: tree.network, model: "NVR-8 KAT" };
    const identity = identityOf(kit);
    const restore = (file: string) => call("POST", "/v1/backup/restore", { file, identity }, owner);
    await restore(craftArchive(kit, "order", undefined, { manifestFirst: false }));
    await restore(
      craftArchive(kit, "version", (m, _s, net) => {
        m.v = 2;
        return [net];
      }),
    );
    await restore(
      craftArchive(kit, "model", (m, _s, net) => {
        m.model = "NVR-16 OTHER";
        return [net];
      }),
    );
    await restore(
      craftArchive(kit, "hash", (m, _s, net) => {
        ((m.files as { sha256: string }[])[0] as { sha256: string }).sha256 = "0".repeat(64);
        return [net];
      }),
    );
    await restore(
      craftArchive(kit, "cred", (m, stage, net) => {
        const db = path.join(d.stateDir, "credentials.db");
        mkdirSync(path.join(stage, "config", d.stateDir), { recursive: true });
        writeFileSync(path.join(stage, "config", db), "x");
        (m.roots as unknown[]).push({ path: db, kind: "file" });
        return [net, `config${db}`];
      }),
    );
    await restore(
      craftArchive(kit, "link", (_m, stage, net) => {
        symlinkSync("/etc/passwd", path.join(stage, "config", tree.schedule));
        return [net, `config${tree.schedule}`];
      }),
    );
    await restore(
      craftArchive(kit, "unknown", (_m, stage, net) => {
        mkdirSync(path.join(stage, "config/etc/shadow.d"), { recursive: true });
        writeFileSync(path.join(stage, "config/etc/shadow.d/x"), "x");
        return [net, "config/etc/shadow.d/x"];
      }),
    );
    const costly = withScryptWork(good, MAX_LOG_N + 4, path.join(work, "costly.age"));
    await call("POST", "/v1/backup/restore", { file: costly, passphrase }, owner);

    // The factory data inside a restore path: an export would carry a credential.
    const inside = path.join(tree.schedule, "factory-data.json");
    copyFileSync(path.join(fixtures, "factory-data.json"), inside);
    const d2 = await spawnWithFactory({ config: tree.config, env: { RECOVERYD_FACTORY: inside } });
    daemons.push(d2);
    const call2 = checkedApi(checker, d2.apiSocket);
    await call2("POST", "/v1/setup", admin);
    const owner2 = tokenOf(await call2("POST", "/v1/login", admin));
    await call2("POST", "/v1/backup", { passphrase, to: path.join(work, "cred.age") }, owner2);
  });

  it("a recorder whose store is broken, full or read-only: the 503 codes", async () => {
    const corrupt = makeBaseDir();
    mkdirSync(path.join(corrupt, "state"), { recursive: true });
    writeFileSync(path.join(corrupt, "state", "credentials.db"), Buffer.alloc(8192, 0x5a));
    const broken = await spawnDaemon({ baseDir: corrupt });
    daemons.push(broken);
    await checkedApi(checker, broken.apiSocket)("POST", "/v1/setup", {
      username: "owner",
      password: PASSWORD,
    });

    const base = makeBaseDir();
    const state = mounts.tmpfs(path.join(base, "state"), 4096);
    const d = await spawnWithFactory({ baseDir: base });
    daemons.push(d);
    const call = checkedApi(checker, d.apiSocket);
    const admin = { username: "owner", password: PASSWORD };
    await call("POST", "/v1/setup", admin);
    const owner = tokenOf(await call("POST", "/v1/login", admin));
    mounts.fill(path.join(state, "filler"));
    await call("POST", "/v1/login", admin);
    rmSync(path.join(state, "filler"));
    // Read-only under the running daemon: a security-code reset must write a new pepper file.
    mounts.readOnlyView(state);
    await call("POST", "/v1/recovery/security-code", { securityCode: sticker });
  });

  it("a reset that lands while a forgot-password confirm is hashing: 409 credentials_reset", async () => {
    if (!relay) throw new Error("no relay");
    // Slow hashes (about 2 s here) and a short credential tier, so the button's reset lands
    // while the confirm's new hash is computed.
    const d = await spawnWithFactory({
      config: {
        mail: mailConfig(relay),
        argon2: { memoryKiB: 262144, timeCost: 8 },
        button: { shortMaxMs: 1000, credentialMs: 3000, factoryMs: 8000, stuckMs: 13000 },
      },
    });
    daemons.push(d);
    const call = checkedApi(checker, d.apiSocket);
    const admin = { username: "owner", password: PASSWORD };
    await call("POST", "/v1/setup", admin);
    const owner = tokenOf(await call("POST", "/v1/login", admin));
    const address = "race@home.example.test";
    const since = relay.messages.length;
    await call("POST", "/v1/account/email", { email: address, password: PASSWORD }, owner);
    const verify = await relay.waitFor(
      (m) => (relay?.messages.indexOf(m) ?? 0) >= since && m.to.includes(address),
    );
    await call("POST", "/v1/account/email/verify", { code: codeIn(verify) }, owner);
    const sim = await SimClient.connect(d.simSocket, { timeoutMs: 60_000 });
    try {
      for (
        let round = 0;
        round < 3 && !checker.seen.has("POST /v1/recovery/forgot/confirm 409 credentials_reset");
        round++
      ) {
        if (round > 0) {
          // The last round's reset left first boot: own the recorder again, with the address.
          await call("POST", "/v1/setup", admin);
          const again = tokenOf(await call("POST", "/v1/login", admin));
          const n = relay.messages.length;
          await call("POST", "/v1/account/email", { email: address, password: PASSWORD }, again);
          const v = await relay.waitFor(
            (m) => (relay?.messages.indexOf(m) ?? 0) >= n && m.to.includes(address),
          );
          await call("POST", "/v1/account/email/verify", { code: codeIn(v) }, again);
        }
        const before = relay.messages.length;
        await call("POST", "/v1/recovery/forgot", { username: "owner" });
        const mail = await relay.waitFor(
          (m) => (relay?.messages.indexOf(m) ?? 0) >= before && /reset code/.test(m.headers.subject ?? ""),
        );
        await sim.down();
        await new Promise((r) => setTimeout(r, 3300));
        const confirm = call("POST", "/v1/recovery/forgot/confirm", {
          username: "owner",
          code: codeIn(mail),
          newPassword: `copper lantern meadow ${2031 + round}`,
        });
        await new Promise((r) => setTimeout(r, 300));
        await sim.up();
        await confirm;
        // The reset itself, before the next round.
        for (
          let i = 0;
          i < 100 && ((await call("GET", "/v1/status")).body as { state: string }).state !== "first-boot";
          i++
        )
          await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await sim.close();
    }
  });

  it("every example was sent, every answer matched the document, every documented code was seen", () => {
    expect(checker.problems).toEqual([]);
    expect(checker.operationsWithExamples().filter((o) => !checker.examplesSent.has(o))).toEqual([]);
    const expected = checker.expected();
    for (const key of Object.keys(NOT_DRIVEN))
      expect(expected.has(key), `NOT_DRIVEN ${key} is documented`).toBe(true);
    const missing = [...expected].filter((k) => !checker.seen.has(k) && !(k in NOT_DRIVEN));
    expect(missing, checker.log.join("\n")).toEqual([]);
    console.log(
      `openapi conformance: ${checker.seen.size} of ${expected.size} documented outcomes seen, ${Object.keys(NOT_DRIVEN).length} not drivable from outside`,
    );
  });
});

let tmp = "";
function repoRootTmp(): string {
  tmp ||= mkdtempSync(path.join(tmpdir(), "recoveryd-openapi-"));
  return tmp;
}

function signGrant(requestJson: string): unknown {
  const out = path.join(repoRootTmp(), "openapi.grant.json");
  execFileSync(
    process.execPath,
    [
      path.join(repoRoot, "dist/vendor/sign-grant.js"),
      ...["--request", "-", "--key", KEY, "--action", "credential-reset", "--hours", "24", "--out", out],
    ],
    { input: requestJson, encoding: "utf8" },
  );
  return JSON.parse(readFileSync(out, "utf8"));
}

async function eventStreams(socketPath: string): Promise<void> {
  // maxConnections 8: at most 4 streams; the fifth is refused.
  const { openEventStream } = await import("../../cli/client.js");
  const open = [];
  for (let i = 0; i < 4; i++) open.push(await openEventStream(socketPath, () => undefined));
  checker.check("GET", "/v1/events", 200, "text/event-stream", null);
  const refused = await rawCall(socketPath, "GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n");
  checker.check("GET", "/v1/events", refused.status ?? 0, "application/json", refused.body);
  for (const s of open) s.close();
}

async function commonErrors(socketPath: string): Promise<void> {
  const send = async (method: string, p: string, bytes: string | Buffer, waitMs?: number) => {
    const r = await rawCall(socketPath, bytes, waitMs);
    checker.check(method, p, r.status ?? 0, "application/json", r.body);
  };
  const post = (p: string, headers: string, body: string) =>
    `POST ${p} HTTP/1.1\r\nHost: x\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  await send("POST", "/v1/login", post("/v1/login", "Content-Type: application/json\r\n", "{nope"));
  await send("POST", "/v1/login", post("/v1/login", "Content-Type: text/plain\r\n", "{}"));
  await send(
    "POST",
    "/v1/login",
    post("/v1/login", "Content-Type: application/json\r\n", JSON.stringify({ username: "x".repeat(20_000) })),
  );
  await send("GET", "/v1/nowhere", "GET /v1/nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
  // A header line without a colon: Node's parser refuses it and the daemon answers for it.
  await send("GET", "/v1/status", "GET /v1/status HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n");
  await send("DELETE", "/v1/status", "DELETE /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
  await send("GET", "/v1/st%zzatus", "GET /v1/st%zzatus HTTP/1.1\r\nHost: x\r\n\r\n");
  await send("GET", "/v1/status", "GET /v1/status?nope=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  await send("GET", "/v1/x", `GET /v1/${"x".repeat(3000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await send(
    "GET",
    "/v1/status",
    `GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: ${"y".repeat(40_000)}\r\n\r\n`,
  );
  // A body that never finishes: the 2 s request timeout answers 408.
  await send(
    "POST",
    "/v1/login",
    "POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    15_000,
  );
  // Five pipelined calls on one connection from a stranger: the fifth is busy.
  const login = post(
    "/v1/login",
    "Content-Type: application/json\r\n",
    JSON.stringify({ username: "nobody", password: "wrong wrong wrong" }),
  );
  // The server closes the connection after the 429: read until then.
  const r = await rawCall(socketPath, login.repeat(6), 60_000, /HTTP\/1\.1 429[\s\S]*\r\n\r\n\{.*\}$/);
  const at = r.text.indexOf("HTTP/1.1 429");
  expect(at, r.text.slice(0, 2000)).toBeGreaterThan(0);
  const tail = r.text.slice(at);
  checker.check(
    "POST",
    "/v1/login",
    429,
    "application/json",
    JSON.parse(tail.slice(tail.indexOf("\r\n\r\n") + 4)),
  );
}
