// Parses the request target strictly. Only canonical origin-form paths reach the router, so path
// tricks (`/v1/../`, `//`, `%2f`, `\`, dot segments, control bytes) are refused before any
// lookup instead of being "normalised" into something the author of a route did not expect.
import { InvalidPathError, InvalidQueryError, UriTooLongError } from "./api-errors.js";

/** A legitimate target is short; anything longer is a probe or a mistake. */
export const MAX_TARGET_BYTES = 2048;

export interface Target {
  /** Canonical path, for logs and errors (never includes the query). */
  path: string;
  /** Decoded segments; none is empty, ".", ".." or holds a slash or a control character. */
  segments: string[];
  query: URLSearchParams;
}

// RFC 3986 pchar plus "/"; percent escapes are checked separately.
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
const QUERY_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;
const PERCENT = /%(?![0-9A-Fa-f]{2})/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const FORBIDDEN_DECODED = /[/\\\u0000-\u001f\u007f]/;

export function parseTarget(raw: string | undefined): Target {
  if (raw === undefined || raw.length === 0) throw new InvalidPathError();
  if (raw.length > MAX_TARGET_BYTES) throw new UriTooLongError(MAX_TARGET_BYTES);
  // Absolute-form ("http://x/v1/status") and asterisk-form ("*") have no business on a local socket.
  if (!raw.startsWith("/")) throw new InvalidPathError("request target must be an absolute path");
  const q = raw.indexOf("?");
  const pathPart = q < 0 ? raw : raw.slice(0, q);
  const queryPart = q < 0 ? "" : raw.slice(q + 1);
  if (!PATH_CHARS.test(pathPart) || PERCENT.test(pathPart)) throw new InvalidPathError();
  if (!QUERY_CHARS.test(queryPart) || PERCENT.test(queryPart)) throw new InvalidQueryError("malformed query");
  if (pathPart === "/") return { path: "/", segments: [], query: parseQuery(queryPart) };
  const segments: string[] = [];
  for (const seg of pathPart.slice(1).split("/")) {
    if (seg === "" || seg === "." || seg === "..") throw new InvalidPathError("non-canonical path");
    let decoded: string;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      throw new InvalidPathError();
    }
    // An encoded slash, backslash or dot segment is a trick, never a name.
    if (decoded === "." || decoded === ".." || FORBIDDEN_DECODED.test(decoded)) {
      throw new InvalidPathError("non-canonical path");
    }
    segments.push(decoded);
  }
  return { path: pathPart, segments, query: parseQuery(queryPart) };
}

function parseQuery(text: string): URLSearchParams {
  const query = new URLSearchParams(text);
  const seen = new Set<string>();
  for (const key of query.keys()) {
    // A repeated parameter is ambiguous (which one wins?), so it is refused rather than guessed.
    if (seen.has(key)) throw new InvalidQueryError("repeated query parameter");
    seen.add(key);
  }
  return query;
}
