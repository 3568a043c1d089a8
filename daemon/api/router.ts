// A tiny exact-match router: a route is a list of literal segments and `:param` placeholders.
// Unknown path → 404; known path, other method → 405 with the methods that would work.
import type { IncomingMessage, ServerResponse } from "node:http";
import type * as z from "zod";
import type { Clock } from "../clock.js";
import type { Config } from "../config/schema.js";
import { ValidationError } from "../errors.js";
import type { Logger } from "../log.js";
import { InvalidQueryError } from "./api-errors.js";
import type { ApiDeps } from "./deps.js";

export type Method = "GET" | "POST" | "DELETE";

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  deps: ApiDeps;
  limits: Config["api"];
  log: Logger;
  clock: Clock;
  /** Reads the JSON body (once) and validates it; a missing body is validated as `undefined`. */
  body<S extends z.ZodType>(schema: S): Promise<z.infer<S>>;
  /** For calls that take no input: accepts no body or `{}`. */
  noBody(): Promise<void>;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The handler took over the response (the event stream). */
export const STREAMING = Symbol("streaming");

export type Handler = (ctx: RouteContext) => Promise<Reply | typeof STREAMING>;

export interface Route {
  /** e.g. "/v1/users/:name" */
  path: string;
  methods: Partial<Record<Method, Handler>>;
  /**
   * Query parameters the route reads, for all its methods or per method; any other one is
   * refused with 400 (a parameter one method reads is no silent no-op on another).
   */
  query?: readonly string[] | Partial<Record<Method, readonly string[]>>;
}

/** The query parameters `method` of `route` accepts. */
export function queryOf(route: Route, method: Method): readonly string[] {
  const q = route.query;
  if (!q) return [];
  return Array.isArray(q) ? q : ((q as Partial<Record<Method, readonly string[]>>)[method] ?? []);
}

export type RouteMatch =
  | { kind: "found"; handler: Handler; params: Record<string, string>; query: readonly string[] }
  | { kind: "method"; allow: Method[] }
  | { kind: "none" };

export class Router {
  private readonly routes: { parts: string[]; route: Route }[];

  constructor(routes: readonly Route[]) {
    this.routes = routes.map((route) => ({ parts: route.path.split("/").slice(1), route }));
  }

  match(method: string, segments: readonly string[]): RouteMatch {
    for (const { parts, route } of this.routes) {
      const params = matchParts(parts, segments);
      if (!params) continue;
      const handler = Object.hasOwn(route.methods, method) ? route.methods[method as Method] : undefined;
      if (handler) return { kind: "found", handler, params, query: queryOf(route, method as Method) };
      return { kind: "method", allow: Object.keys(route.methods) as Method[] };
    }
    return { kind: "none" };
  }
}

function matchParts(parts: readonly string[], segments: readonly string[]): Record<string, string> | null {
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const seg = segments[i] as string;
    if (part.startsWith(":")) params[part.slice(1)] = seg;
    else if (part !== seg) return null;
  }
  return params;
}

/** Validates with zod; the refusal lists what is wrong, never the values sent. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 5).map((i) => ({
    path: i.path.map(String).join(".").slice(0, 100),
    message: i.message.slice(0, 200),
  }));
  throw new ValidationError(`invalid ${what}`, { issues });
}

/** Refuses query parameters a route does not know, so a typo is an error instead of a no-op. */
export function allowQuery(query: URLSearchParams, allowed: readonly string[]): void {
  for (const key of query.keys()) {
    if (!allowed.includes(key)) throw new InvalidQueryError(`unknown query parameter "${key.slice(0, 40)}"`);
  }
}

export function queryInt(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new InvalidQueryError(`${name} must be a whole number`);
  const n = Number(raw);
  if (n < min || n > max) throw new InvalidQueryError(`${name} must be between ${min} and ${max}`);
  return n;
}

export function queryFlag(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name);
  if (raw === null) return false;
  if (raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  throw new InvalidQueryError(`${name} must be 1 or 0`);
}
