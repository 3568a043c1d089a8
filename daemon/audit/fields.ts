// What a caller's fields become before they are hashed: secrets redacted (last line of defence, the
// daemon should never pass one), reduced to plain JSON data, and bounded in size so one entry
// always fits a file and a caller cannot flood the log with one huge record.
import { redactDeep } from "../log.js";
import { canonicalJson } from "./entry.js";

export const MAX_FIELDS_BYTES = 2048;
const EVENT_NAME = /^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$/;
const MAX_EVENT_CHARS = 64;

export function checkEventName(event: unknown): string {
  if (typeof event !== "string" || event.length > MAX_EVENT_CHARS || !EVENT_NAME.test(event)) {
    throw new TypeError(`audit event name must match ${EVENT_NAME} (at most ${MAX_EVENT_CHARS} chars)`);
  }
  return event;
}

export function prepareFields(fields: unknown): Record<string, unknown> {
  const json = JSON.stringify(redactDeep(fields ?? {}), (_k, v: unknown) =>
    typeof v === "bigint" ? v.toString() : v,
  );
  let obj: unknown = json === undefined ? {} : JSON.parse(json);
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) obj = { value: obj };
  const out = obj as Record<string, unknown>;
  const bytes = Buffer.byteLength(canonicalJson(out), "utf8");
  if (bytes <= MAX_FIELDS_BYTES) return out;
  return {
    truncated: true,
    bytes,
    keys: Object.keys(out)
      .slice(0, 16)
      .map((k) => k.slice(0, 64)),
  };
}
