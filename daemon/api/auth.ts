// Bearer credentials: a session token from /v1/login or an API token from /v1/tokens. The token
// is handed to the account service as is; this file only parses the header and checks roles.
import type { IncomingMessage } from "node:http";
import { ForbiddenError, UnauthorizedError } from "../errors.js";
import type { AccountService, Principal } from "../services.js";

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]{1,512}=*) *$/i;

/** The token of `Authorization: Bearer <token>`; undefined when there is no header. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const m = BEARER.exec(header);
  if (!m) throw new UnauthorizedError("malformed Authorization header: expected Bearer <token>");
  return m[1];
}

export function authenticate(accounts: AccountService, req: IncomingMessage): Principal {
  return accounts.authenticate(bearerToken(req));
}

/** User, token and audit management is for admins only (SPEC 8). */
export function requireAdmin(accounts: AccountService, req: IncomingMessage): Principal {
  const who = authenticate(accounts, req);
  if (who.role !== "admin") throw new ForbiddenError("this call needs an admin", "admin_required");
  return who;
}
