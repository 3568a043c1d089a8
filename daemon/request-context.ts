// Who is behind the work being done right now, carried across awaits with AsyncLocalStorage so
// the hashing limiter (fair queues) and the audit trail (per-source merging) can tell callers
// apart without every service method growing a parameter. The API server opens a context per
// request; work outside any request (the button, USB, start-up) runs without one.
import { AsyncLocalStorage } from "node:async_hooks";

export interface RequestContext {
  /** The connection's serial number: one fair-queue lane and one audit source per connection. */
  connection: number;
  /** The caller presented a valid session or API token: reserved capacity applies. */
  authenticated: boolean;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runInRequest<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

/** The audit source of the current work: `api#<connection>`, or `local` outside a request. */
export function currentSource(): string {
  const ctx = storage.getStore();
  return ctx ? `api#${ctx.connection}` : "local";
}
