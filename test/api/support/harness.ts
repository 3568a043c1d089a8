// Starts the real API server on a Unix socket in a temp dir, with in-memory dependencies, and
// captures its log lines so tests can check what it writes.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AccountService } from "../../../daemon/services.js";
import type { ApiServer } from "../../../daemon/api/server.js";
import { startApiServer } from "../../../daemon/api/server.js";
import { systemClock } from "../../../daemon/clock.js";
import { configSchema, type Config } from "../../../daemon/config/schema.js";
import { EventBus } from "../../../daemon/events.js";
import { createLogger } from "../../../daemon/log.js";
import { type ApiResponse, apiRequest } from "../../../scripts/ctl/client.js";
import { FakeAccounts } from "./fake-accounts.js";
import { FakeAudit, FakeRecovery } from "./fake-recovery.js";

export const ADMIN = { username: "owner", password: "correct horse battery staple" };

export interface TestApiOptions {
  limits?: Partial<Config["api"]>;
  accounts?: AccountService;
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
  audit: FakeAudit | undefined;
  events: EventBus;
  api: ApiServer;
  logLines: string[];
  limits: Config["api"];
  req(method: string, urlPath: string, opts?: { body?: unknown; token?: string; headers?: Record<string, string> }): Promise<ApiResponse>;
  /** First-boot setup of ADMIN and a login; returns the session token. */
  provision(): Promise<string>;
  close(): Promise<void>;
}

export async function startTestApi(opts: TestApiOptions = {}): Promise<TestApi> {
  const dir = await mkdtemp(path.join(tmpdir(), "recoveryd-api-"));
  const socketPath = path.join(dir, "api.sock");
  const accounts = opts.accounts ?? new FakeAccounts();
  const recovery = opts.noRecovery ? undefined : new FakeRecovery(accounts);
  const audit = opts.noAudit ? undefined : new FakeAudit();
  const events = new EventBus();
  const logLines: string[] = [];
  const log = createLogger({ level: "debug", destination: { write: (s: string) => void logLines.push(s) } });
  const limits = { ...configSchema.parse({}).api, ...opts.limits };
  const api = await startApiServer({
    socketPath,
    mode: opts.mode ?? "0660",
    limits,
    deps: { accounts, recovery, audit, events },
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
      return (login.body as { token: string }).token;
    },
    async close() {
      await api.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
