// Starts the real API server on a Unix socket in a temp dir with the real credential store
// (openAccounts in the temp dir) unless a test passes its own AccountService, in-memory recovery
// and audit, and captures the log lines so tests can check what it writes.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ApiResponse, apiRequest } from "../../../cli/client.js";
import { openAccounts } from "../../../daemon/accounts/open.js";
import type { ApiServer } from "../../../daemon/api/server.js";
import { startApiServer } from "../../../daemon/api/server.js";
import { systemClock } from "../../../daemon/clock.js";
import { type Config, configSchema } from "../../../daemon/config/schema.js";
import { EventBus } from "../../../daemon/events.js";
import { createLogger } from "../../../daemon/log.js";
import type { AccountService } from "../../../daemon/services.js";
import { SECURITY_CODE } from "./fake-accounts.js";
import { FakeAudit, FakeRecovery } from "./fake-recovery.js";

/** Passes the real password policy (long, not common, not built from the username). */
export const ADMIN = { username: "owner", password: "plum kettle violin harbor 7731" };

export interface TestApiOptions {
  limits?: Partial<Config["api"]>;
  /** A hand-written AccountService; the real store in the temp dir when absent. */
  accounts?: AccountService;
  /** Raw configuration for the real store (argon2 queue, lockout...). */
  config?: Record<string, unknown>;
  /** The real store opens its setup window at start unless this is false. */
  windowOpen?: boolean;
  /** Without recovery / audit dependencies (503 paths). */
  noRecovery?: boolean;
  noAudit?: boolean;
  mode?: string;
}

export interface TestApi {
  dir: string;
  socketPath: string;
  accounts: AccountService;
  recovery: FakeRecovery | undefined;
  audit: FakeAudit;
  events: EventBus;
  api: ApiServer;
  logLines: string[];
  limits: Config["api"];
  req(
    method: string,
    urlPath: string,
    opts?: { body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<ApiResponse>;
  /** First-boot setup of ADMIN and a login; returns the session token. */
  provision(): Promise<string>;
  close(): Promise<void>;
}

export async function startTestApi(opts: TestApiOptions = {}): Promise<TestApi> {
  const dir = await mkdtemp(path.join(tmpdir(), "recoveryd-api-"));
  const socketPath = path.join(dir, "api.sock");
  const audit = new FakeAudit();
  const events = new EventBus();
  const logLines: string[] = [];
  const log = createLogger({ level: "debug", destination: { write: (s: string) => void logLines.push(s) } });
  let closeAccounts = () => {};
  let accounts = opts.accounts;
  if (!accounts) {
    const stateDir = path.join(dir, "state");
    await mkdir(stateDir, { mode: 0o700 });
    const config = configSchema.parse({
      ...opts.config,
      setupWindow: { openAtBoot: opts.windowOpen !== false },
    });
    const real = await openAccounts({
      stateDir,
      config,
      clock: systemClock,
      log,
      audit,
      securityCode: { verify: async (code) => code === SECURITY_CODE },
      onStateChange: (state, generation) => events.publish({ type: "state", state, generation }),
    });
    accounts = real;
    closeAccounts = () => real.close();
  }
  const recovery = opts.noRecovery ? undefined : new FakeRecovery(accounts);
  const limits = { ...configSchema.parse({}).api, ...opts.limits };
  const api = await startApiServer({
    socketPath,
    mode: opts.mode ?? "0660",
    limits,
    deps: { accounts, recovery, audit: opts.noAudit ? undefined : audit, events },
    log,
    clock: systemClock,
  });
  const req: TestApi["req"] = (method, urlPath, o = {}) =>
    apiRequest(socketPath, { method, path: urlPath, body: o.body, token: o.token, headers: o.headers });
  return {
    dir,
    socketPath,
    accounts,
    recovery,
    audit,
    events,
    api,
    logLines,
    limits,
    req,
    async provision() {
      const setup = await req("POST", "/v1/setup", { body: ADMIN });
      if (setup.status !== 201) throw new Error(`setup failed: ${JSON.stringify(setup.body)}`);
      const login = await req("POST", "/v1/login", { body: ADMIN });
      if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
      return (login.body as { token: string }).token;
    },
    async close() {
      await api.close();
      closeAccounts();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
