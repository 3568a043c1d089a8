// Checks real answers against the shipped OpenAPI document with Ajv (JSON Schema 2020-12) and
// records which operation/status/code triples were seen, so a test can prove it covered them all.
import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { apiRequest } from "../../../cli/client.js";
import { repoRoot } from "../../rigs/support/daemon-process.js";

type Json = Record<string, unknown>;
interface OpDoc {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
  requestBody?: { content: Record<string, { examples?: { default?: { value: unknown } } }> };
  "x-recoveryd-error-codes": Record<string, string[]>;
}

// ajv-formats is CommonJS with a default export; under Node's ESM interop it is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => void;

export class OpenApiChecker {
  readonly doc: Json;
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly seen = new Set<string>();
  readonly examplesSent = new Set<string>();
  readonly problems: string[] = [];
  /** Every answer, in order: what a failure message shows. */
  readonly log: string[] = [];

  constructor() {
    this.doc = JSON.parse(readFileSync(path.join(repoRoot, "docs/openapi.json"), "utf8")) as Json;
    addFormats(this.ajv);
  }

  private get paths(): Record<string, Record<string, OpDoc>> {
    return this.doc.paths as Record<string, Record<string, OpDoc>>;
  }

  /** The documented template a concrete path belongs to (`/v1/users/bob` → `/v1/users/{name}`). */
  template(method: string, concrete: string): string | null {
    const p = concrete.split("?")[0] as string;
    for (const [tpl, item] of Object.entries(this.paths)) {
      const re = new RegExp(`^${tpl.replace(/\{\w+\}/g, "[^/]+").replace(/\./g, "\\.")}$`);
      if (re.test(p) && item[method.toLowerCase()]) return tpl;
    }
    return null;
  }

  example(method: string, tpl: string): unknown {
    const op = this.paths[tpl]?.[method.toLowerCase()];
    const value = op?.requestBody?.content["application/json"]?.examples?.default?.value;
    if (value === undefined) throw new Error(`${method} ${tpl} has no example`);
    this.examplesSent.add(`${method} ${tpl}`);
    return value;
  }

  /** Every (operation, status[, code]) the document promises, and the common error codes. */
  expected(): Set<string> {
    const out = new Set<string>();
    for (const [tpl, item] of Object.entries(this.paths)) {
      for (const [m, op] of Object.entries(item)) {
        const key = `${m.toUpperCase()} ${tpl}`;
        const success = Object.keys(op.responses).find((s) => s.startsWith("2"));
        out.add(`${key} ${success}`);
        for (const [s, codes] of Object.entries(op["x-recoveryd-error-codes"]))
          for (const c of codes) out.add(`${key} ${s} ${c}`);
      }
    }
    for (const [s, codes] of Object.entries(
      this.doc["x-recoveryd-common-errors"] as Record<string, string[]>,
    ))
      for (const c of codes) out.add(`* ${s} ${c}`);
    return out;
  }

  operationsWithExamples(): string[] {
    const out: string[] = [];
    for (const [tpl, item] of Object.entries(this.paths))
      for (const [m, op] of Object.entries(item)) if (op.requestBody) out.push(`${m.toUpperCase()} ${tpl}`);
    return out;
  }

  /** Validates one answer; records what it covered, or a problem. */
  check(method: string, concrete: string, status: number, contentType: string, body: unknown): void {
    this.log.push(`${method} ${concrete.slice(0, 60)} → ${status} ${errorCode(body) ?? ""}`);
    const tpl = this.template(method, concrete);
    if (!tpl) {
      // Not a documented operation: only a common error may answer.
      this.checkCommon(status, body, `${method} ${concrete}`);
      return;
    }
    const key = `${method} ${tpl}`;
    const response = this.paths[tpl]?.[method.toLowerCase()]?.responses[String(status)];
    if (!response) {
      this.problems.push(
        `${key}: status ${status} is not documented (${JSON.stringify(body).slice(0, 200)})`,
      );
      return;
    }
    const media = Object.keys(response.content ?? {})[0] ?? "";
    if (!contentType.startsWith(media)) this.problems.push(`${key} ${status}: content-type ${contentType}`);
    if (media === "application/json") {
      const validate = this.validator(`${key} ${status}`, response.content?.[media]?.schema ?? {});
      if (!validate(body)) {
        this.problems.push(
          `${key} ${status}: ${this.ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 300)}`,
        );
        return;
      }
    }
    const code = errorCode(body);
    if (status < 300) this.seen.add(`${key} ${status}`);
    else if (code !== null) {
      const own = this.paths[tpl]?.[method.toLowerCase()]?.["x-recoveryd-error-codes"][String(status)] ?? [];
      this.seen.add(own.includes(code) ? `${key} ${status} ${code}` : `* ${status} ${code}`);
    }
  }

  private checkCommon(status: number, body: unknown, what: string): void {
    const common = (this.doc["x-recoveryd-common-errors"] as Record<string, string[]>)[String(status)] ?? [];
    const code = errorCode(body);
    if (code === null || !common.includes(code)) {
      this.problems.push(`${what}: ${status} ${code} is not a documented common error`);
      return;
    }
    this.seen.add(`* ${status} ${code}`);
  }

  private validator(key: string, schema: object): ValidateFunction {
    let v = this.compiled.get(key);
    if (!v) {
      v = this.ajv.compile(schema);
      this.compiled.set(key, v);
    }
    return v;
  }
}

function errorCode(body: unknown): string | null {
  const e = (body as { error?: { code?: unknown } } | null)?.error;
  return typeof e?.code === "string" ? e.code : null;
}

/** A JSON call over the socket, checked against the document. */
export function checkedApi(checker: OpenApiChecker, socketPath: string) {
  return async (method: string, p: string, body?: unknown, token?: string) => {
    const r = await apiRequest(socketPath, { method, path: p, body, token, timeoutMs: 60_000 });
    checker.check(method, p, r.status, String(r.headers["content-type"] ?? ""), r.body);
    return r;
  };
}

/** Sends raw bytes; answers the status and parsed JSON body of the first response. */
export function rawCall(
  socketPath: string,
  bytes: string | Buffer,
  waitMs = 10_000,
  /** Keep reading past the first answer until this matches (pipelined calls). */
  until?: RegExp,
): Promise<{ status: number | null; body: unknown; text: string }> {
  return new Promise((resolve) => {
    const sock = net.connect(socketPath);
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(chunks).toString("utf8");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      const sep = text.indexOf("\r\n\r\n");
      let body: unknown = null;
      try {
        body = JSON.parse(text.slice(sep + 4));
      } catch {
        body = null;
      }
      resolve({ status: m ? Number(m[1]) : null, body, text });
    };
    const timer = setTimeout(done, waitMs);
    sock.on("data", (d: Buffer) => {
      chunks.push(d);
      const text = Buffer.concat(chunks).toString("utf8");
      if (until) return void (until.test(text) && done());
      const sep = text.indexOf("\r\n\r\n");
      const len = /content-length: (\d+)/i.exec(text.slice(0, sep));
      if (sep >= 0 && len && Buffer.byteLength(text.slice(sep + 4)) >= Number(len[1])) done();
    });
    sock.on("error", done);
    sock.on("close", done);
    sock.on("connect", () => sock.write(bytes));
  });
}
