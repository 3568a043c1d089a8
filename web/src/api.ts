// The browser's client of the daemon's /v1 API (through the recorder's web server). The bearer
// token lives in sessionStorage: no cookie, so no request forgery from another site, and it ends
// with the tab.

const TOKEN_KEY = "recoveryd.token";
/** A setup token from a recovery (recovery page), offered to the setup form. */
export const SETUP_TOKEN_KEY = "recoveryd.setupToken";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly reason: string | undefined,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string | null): void {
  if (value === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
}

export interface Answer<T> {
  body: T;
  /** The server's clock from the Date header (ms), to count a window down without trusting ours. */
  serverNow: number | null;
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: "application/json" };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
    cache: "no-store",
    credentials: "omit",
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const e = (parsed as { error?: Record<string, unknown> } | null)?.error;
    throw new ApiError(
      res.status,
      typeof e?.code === "string" ? e.code : `http_${res.status}`,
      typeof e?.message === "string" ? e.message : `the recorder answered ${res.status}`,
      typeof e?.reason === "string" ? e.reason : undefined,
      typeof e?.retryAfterSeconds === "number" ? e.retryAfterSeconds : undefined,
    );
  }
  const date = res.headers.get("date");
  return { body: parsed as T, serverNow: date ? Date.parse(date) : null };
}

export interface Status {
  state: "first-boot" | "provisioned" | "store-fault";
  generation: number;
  setupWindow: { open: boolean; closesAt: string | null };
  lockout: { locked: boolean; recoveryPaths: string[] };
}

/** Calls `onEvent` for each server-sent event; the browser reconnects by itself. */
export function events(onEvent: (type: string, data: Record<string, unknown>) => void): EventSource {
  const es = new EventSource("/v1/events");
  for (const type of ["state", "led", "buzzer", "tier", "press", "confirm", "fault"]) {
    es.addEventListener(type, (m) => {
      try {
        onEvent(type, JSON.parse((m as MessageEvent<string>).data) as Record<string, unknown>);
      } catch {
        // a malformed event is skipped; the next state event corrects the page
      }
    });
  }
  return es;
}
