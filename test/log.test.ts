// No secret reaches the logs (SPEC 8 "secrets redacted at the logger", SPEC 10): every kind of
// secret recoveryd handles is logged in the shapes call sites use, and none of its values may
// appear in the output, while the ordinary fields still do.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, REDACTED, redactDeep } from "../daemon/log.js";

/** A pino destination that keeps every line in memory. */
function capture(): { lines: string[]; text: () => string; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, text: () => lines.join("\n"), stream };
}

const SECRETS = {
  password: "Correct-Horse-Battery-9",
  newPassword: "Another-Long-Passphrase-7",
  sessionToken: "tok_5f3a9c0e1b7d4a2f8e6c",
  apiToken: "api_9d8c7b6a5f4e3d2c1b0a",
  setupToken: "setup_Q1W2E3R4T5Y6U7I8",
  securityCode: "ABCD EFGH IJKL MNOP",
  unlockCode: "K7M2P9QX",
  phc: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2g",
  pepper: "cGVwcGVyLXNlY3JldC0zMi1ieXRlcy1sb25nLXZhbHVl",
  bearer: "Bearer tok_bearer_0a1b2c3d4e5f",
  privateJwkD: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
  cookie: "sid=s3ss10n-c00k13-v4lu3",
  nonce: "r4nd0m-n0nc3-b4se64url",
  grantSignature: "c2lnbmF0dXJlLWJ5dGVzLWhlcmUtNjQtYnl0ZXMtbG9uZw",
  pin: "482916",
  pwd: "shortpwd-value-1",
};

function expectNoSecret(out: string): void {
  for (const [name, value] of Object.entries(SECRETS)) {
    expect(out, `${name} leaked`).not.toContain(value);
  }
  // The distinctive inner parts too, in case a value was split or re-encoded.
  expect(out).not.toContain("c2FsdHNhbHRzYWx0c2FsdA");
  expect(out).not.toContain("5f3a9c0e1b7d4a2f8e6c");
}

describe("logger redaction", () => {
  it("redacts secrets in flat, nested, array and error fields and keeps ordinary fields", () => {
    const cap = capture();
    const log = createLogger({ destination: cap.stream, level: "trace" });
    log.info({ event: "login", username: "alice", password: SECRETS.password }, "login attempt");
    log.info({ event: "setup", username: "alice", setupToken: SECRETS.setupToken, tier: "credential" });
    log.info({ req: { headers: { authorization: SECRETS.bearer, cookie: SECRETS.cookie } } }, "request");
    log.warn({ body: { username: "bob", password: SECRETS.password, newPassword: SECRETS.newPassword } });
    log.info({ recovery: { path: "security-code", securityCode: SECRETS.securityCode } });
    log.info({ recovery: { path: "unlock", attempt: { unlockCode: SECRETS.unlockCode } } });
    log.debug({
      rows: [
        { username: "carol", hash: SECRETS.phc },
        { username: "dave", phc: SECRETS.phc },
      ],
    });
    log.debug({ stored: SECRETS.phc, candidates: [SECRETS.phc] }, "verify");
    log.info({ store: { pepper: SECRETS.pepper, generation: 3 } });
    log.info({
      tokens: [{ name: "ci", token: SECRETS.apiToken }],
      sessions: [SECRETS.sessionToken].map((t) => ({ sessionToken: t })),
    });
    log.info({ vendorKey: { kty: "OKP", crv: "X25519", d: SECRETS.privateJwkD, x: "public-x" } });
    log.info({ grant: { nonce: SECRETS.nonce, signature: SECRETS.grantSignature } });
    log.info({ keypad: { pin: SECRETS.pin }, legacy: { pwd: SECRETS.pwd } });
    log.info({ headers: { Authorization: SECRETS.bearer } });
    log.info({ auth: SECRETS.bearer, note: SECRETS.bearer });
    const cause = Object.assign(new Error("wrong username or password"), {
      password: SECRETS.password,
      token: SECRETS.sessionToken,
      code: "invalid_credentials",
    });
    log.error({ err: cause, username: "alice", tier: "factory" }, "login failed");
    log.error(cause);
    const wrapper = { error: cause, context: { attempt: { credentials: { password: SECRETS.password } } } };
    log.error(wrapper, "nested error");
    const out = cap.text();
    expectNoSecret(out);
    expect(out).toContain('"username":"alice"');
    expect(out).toContain('"username":"carol"');
    expect(out).toContain('"event":"setup"');
    expect(out).toContain('"tier":"credential"');
    expect(out).toContain('"tier":"factory"');
    expect(out).toContain('"path":"security-code"');
    expect(out).toContain('"generation":3');
    expect(out).toContain("wrong username or password");
    expect(out).toContain("invalid_credentials");
    expect(out).toContain(REDACTED);
    for (const line of cap.lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("redacts secrets bound to a child logger", () => {
    const cap = capture();
    const log = createLogger({ destination: cap.stream });
    const child = log.child({
      username: "alice",
      sessionToken: SECRETS.sessionToken,
      password: SECRETS.password,
    });
    child.info({ event: "session-check" }, "ok");
    const grandchild = child.child({ apiToken: SECRETS.apiToken, tier: "credential" });
    grandchild.info({ unlockCode: SECRETS.unlockCode }, "nested child");
    const out = cap.text();
    expectNoSecret(out);
    expect(out).toContain('"username":"alice"');
    expect(out).toContain('"event":"session-check"');
    expect(out).toContain('"tier":"credential"');
    expect(cap.lines).toHaveLength(2);
  });

  it("does not let deep nesting or binary values carry a secret through", () => {
    const cap = capture();
    const log = createLogger({ destination: cap.stream });
    let deep: Record<string, unknown> = { password: SECRETS.password };
    for (let i = 0; i < 20; i++) deep = { level: deep };
    log.info({ deep, username: "alice" });
    log.info({ blob: Buffer.from(SECRETS.pepper), view: new Uint8Array(Buffer.from(SECRETS.password)) });
    const circular: Record<string, unknown> = { username: "alice", token: SECRETS.apiToken };
    circular.self = circular;
    log.info({ circular });
    const out = cap.text();
    expectNoSecret(out);
    expect(out).not.toContain(Buffer.from(SECRETS.pepper).toString("base64"));
    expect(out).not.toContain(`${Buffer.from(SECRETS.password)[0]},${Buffer.from(SECRETS.password)[1]}`);
    expect(out).toContain('"username":"alice"');
  });

  it("keeps the fields the daemon needs to be debuggable", () => {
    const out = redactDeep({
      errorCode: "locked",
      statusCode: 423,
      hashesRunning: 1,
      tokenCount: 2,
      keyId: 7,
      key: "button.credentialMs",
      message: "Bearer token required",
      durationMs: 5012,
      at: new Date(Date.UTC(2026, 0, 1)),
    }) as Record<string, unknown>;
    expect(out).toMatchObject({
      errorCode: "locked",
      statusCode: 423,
      hashesRunning: 1,
      tokenCount: 2,
      keyId: 7,
    });
    expect(JSON.stringify(out.at)).toBe('"2026-01-01T00:00:00.000Z"');
  });
});
