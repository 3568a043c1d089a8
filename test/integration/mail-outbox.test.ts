// Issue 16: the durable outbox against real relays that misbehave. A mail queued while the relay
// is down survives a SIGKILL and goes out after the restart; a refusing relay and a hanging one
// are retried and audited, and neither blocks the API or a reset meanwhile.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { apiRequest } from "../../cli/client.js";
import { freePort, mailConfig, makeCert, startHangingRelay, startRelay } from "../helpers/smtp.js";
import { type DaemonProcess, repoRoot, spawnDaemon } from "../rigs/support/daemon-process.js";

const fixtures = path.join(repoRoot, "test/fixtures/recovery");
const kat = JSON.parse(readFileSync(path.join(fixtures, "security-code-kat.json"), "utf8")) as {
  stickerText: string;
};
const ADMIN = { username: "owner", password: "violet tractor harbour 1987" };
const ADDRESS = "owner@home.example.test";
const FACTORY = { RECOVERYD_FACTORY: path.join(fixtures, "factory-data.json") };

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const call = (d: DaemonProcess, method: string, p: string, body?: unknown, token?: string) =>
  apiRequest(d.apiSocket, { method, path: p, body, token });

async function provision(d: DaemonProcess): Promise<string> {
  expect((await call(d, "POST", "/v1/setup", ADMIN)).status).toBe(201);
  return ((await call(d, "POST", "/v1/login", ADMIN)).body as { token: string }).token;
}

function auditEvents(d: DaemonProcess, token: string) {
  return call(d, "GET", "/v1/audit?limit=500", undefined, token).then((r) =>
    (r.body as { entries: { event: string; fields: { kind?: string; error?: string } }[] }).entries.map(
      (e) => ({ event: e.event, ...e.fields }),
    ),
  );
}

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("mail outbox", () => {
  it("keeps a mail through a SIGKILL while the relay is down and delivers it after the restart", async () => {
    const port = await freePort();
    const { cert, dir } = makeCert();
    const config = {
      setupWindow: { openAtBoot: true },
      mail: mailConfig({ port, caFile: cert, passwordFile: path.join(dir, "pw") }),
    };
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path.join(dir, "pw"), "relay-secret-Zq8w\n");
    let d = await spawnDaemon({ config });
    cleanup.push(() => d.stop());
    const token = await provision(d);
    expect(
      (await call(d, "POST", "/v1/account/email", { email: ADDRESS, ...ADMIN, username: undefined }, token))
        .status,
    ).toBe(202);
    await until(async () =>
      (await auditEvents(d, token)).some((e) => e.event === "mail-failed") ? true : undefined,
    );
    d.proc.kill("SIGKILL");
    await d.exited;

    const relay = await startRelay({ port, cert: { key: path.join(dir, "key.pem"), cert } });
    cleanup.push(() => relay.close());
    const t0 = Date.now();
    d = await spawnDaemon({ config, baseDir: d.baseDir });
    const mail = await relay.waitFor((m) => m.to.includes(ADDRESS));
    console.log(`outbox: mail from before the SIGKILL delivered ${mail.at - t0} ms after the restart began`);
    expect(mail.headers.subject).toMatch(/Confirm your email/);
    const events = await auditEvents(
      d,
      ((await call(d, "POST", "/v1/login", ADMIN)).body as { token: string }).token,
    );
    expect(events.some((e) => e.event === "mail-sent" && e.kind === "verify-code")).toBe(true);
  });

  it("retries a refusing relay and audits the refusal", async () => {
    const relay = await startRelay({ mode: "refuse" });
    cleanup.push(() => relay.close());
    const d = await spawnDaemon({ config: { setupWindow: { openAtBoot: true }, mail: mailConfig(relay) } });
    cleanup.push(() => d.stop());
    const token = await provision(d);
    expect(
      (await call(d, "POST", "/v1/account/email", { email: ADDRESS, password: ADMIN.password }, token))
        .status,
    ).toBe(202);
    const failures = await until(async () => {
      const f = (await auditEvents(d, token)).filter((e) => e.event === "mail-failed");
      return f.length >= 2 ? f : undefined;
    });
    expect(failures[0]?.error).toMatch(/550/);
    expect(relay.messages).toHaveLength(0);
  });

  it("a hanging relay blocks neither the API nor a reset", async () => {
    const hang = await startHangingRelay();
    cleanup.push(() => hang.close());
    const d = await spawnDaemon({
      env: FACTORY,
      config: {
        setupWindow: { openAtBoot: true },
        mail: mailConfig({ port: hang.port }, { timeoutMs: 5000 }),
      },
    });
    cleanup.push(() => d.stop());
    const token = await provision(d);
    expect(
      (await call(d, "POST", "/v1/account/email", { email: ADDRESS, password: ADMIN.password }, token))
        .status,
    ).toBe(202);
    await until(async () => (hang.connections() > 0 ? true : undefined));
    // The send is stuck in the relay's silence now.
    let worst = 0;
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      expect((await call(d, "GET", "/v1/status")).status).toBe(200);
      worst = Math.max(worst, performance.now() - t);
    }
    expect((await call(d, "POST", "/v1/recovery/forgot", { username: "owner" })).status).toBe(202);
    const t = performance.now();
    const reset = await call(d, "POST", "/v1/recovery/security-code", { securityCode: kat.stickerText });
    const resetMs = performance.now() - t;
    expect(reset.status).toBe(200);
    console.log(
      `hanging relay: worst status ${worst.toFixed(1)} ms, security-code reset ${resetMs.toFixed(0)} ms`,
    );
    expect(worst).toBeLessThan(1000);
    const status = (await call(d, "GET", "/v1/status")).body as { state: string };
    expect(status.state).toBe("first-boot");
  });
});
