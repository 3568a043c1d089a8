// Builds the OpenAPI 3.1 document from the operation table and the zod schemas (zod 4's own
// JSON Schema output, draft 2020-12, which is OpenAPI 3.1's dialect). Pure: called on demand by
// GET /v1/openapi.json and by scripts/gen-api-docs.ts, never at import time.
import * as z from "zod";
import { PRODUCT_VERSION } from "../../version.js";
import { COMMON_ERRORS, OPERATIONS, type Operation } from "./operations.js";
import { errorBody } from "./responses.js";

type Json = Record<string, unknown>;

const REASON: Readonly<Record<number, string>> = {
  400: "refused: malformed or not allowed input",
  401: "no valid session or token",
  403: "not allowed",
  404: "not found",
  405: "method not allowed",
  408: "request not received in time",
  409: "conflict with the current state",
  413: "body too large",
  414: "request target too long",
  415: "body is not application/json",
  423: "locked: retryAfterSeconds says when to try again",
  429: "too many: retryAfterSeconds says when to try again",
  431: "headers too large",
  500: "a bug (never a stack trace)",
  503: "a part of the recorder is unavailable",
};

function schemaOf(t: z.ZodType): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(t, { io: "input", unrepresentable: "any" }) as Json;
  return rest;
}

function outputSchemaOf(t: z.ZodType): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(t, { io: "output", unrepresentable: "any" }) as Json;
  return rest;
}

function jsonContent(schema: Json, example?: unknown): Json {
  return {
    "application/json": {
      schema,
      ...(example === undefined ? {} : { examples: { default: { value: example } } }),
    },
  };
}

function security(auth: Operation["auth"]): Json[] {
  if (auth === "none") return [];
  if (auth === "optional") return [{}, { bearer: [] }];
  return [{ bearer: [] }];
}

function pathParams(path: string): Json[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
}

function operationObject(op: Operation): Json {
  const responses: Json = {};
  const { status, schema, description, contentType } = op.success;
  responses[String(status)] = {
    description,
    content:
      contentType === "text/event-stream"
        ? { "text/event-stream": { schema: { type: "string" } } }
        : jsonContent(schema ? outputSchemaOf(schema) : {}),
  };
  const statuses = new Set([...Object.keys(op.errors), ...Object.keys(COMMON_ERRORS)].map(Number));
  for (const s of [...statuses].sort((a, b) => a - b)) {
    const codes = [...new Set([...(op.errors[s] ?? []), ...(COMMON_ERRORS[s] ?? [])])];
    responses[String(s)] = {
      description: `${REASON[s] ?? "error"}: ${codes.join(", ")}`,
      ...(s === 405 ? { headers: { Allow: { schema: { type: "string" } } } } : {}),
      ...(s === 423 || s === 429 ? { headers: { "Retry-After": { schema: { type: "string" } } } } : {}),
      content: jsonContent(outputSchemaOf(errorBody(codes))),
    };
  }
  const params = [
    ...pathParams(op.path),
    ...(op.query ?? []).map((q) => ({
      name: q.name,
      in: "query",
      required: false,
      description: q.description,
      schema: q.schema,
    })),
  ];
  return {
    operationId: `${op.method.toLowerCase()}${op.path.replace(/[{}]/g, "").replace(/[/.](\w)/g, (_m, c: string) => c.toUpperCase())}`,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    security: security(op.auth),
    ...(op.auth === "admin" ? { "x-recoveryd-role": "admin" } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(op.body
      ? { requestBody: { required: true, content: jsonContent(schemaOf(op.body), op.example) } }
      : {}),
    responses,
    "x-recoveryd-error-codes": Object.fromEntries(Object.entries(op.errors).map(([k, v]) => [k, [...v]])),
  };
}

export function buildOpenApi(): Json {
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) {
    const item = paths[op.path] ?? {};
    item[op.method.toLowerCase()] = operationObject(op);
    paths[op.path] = item;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "recoveryd local API",
      version: PRODUCT_VERSION,
      description:
        "HTTP/1.1 + JSON over the Unix socket `$RECOVERYD_RUNTIME_DIR/api.sock` (mode 0660). Every error is " +
        '`{"error": {"code", "message", ...details}}`; 423 and 429 answers also carry `retryAfterSeconds` ' +
        "(inside `error` and at the top level) and a `Retry-After` header. Request bodies are strict: an " +
        "unknown key is `400 invalid_request`, a duplicate key `400 invalid_json`.",
    },
    servers: [{ url: "http://localhost", description: "over the Unix socket api.sock" }],
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "a session token from POST /v1/login or an API token from POST /v1/tokens",
        },
      },
    },
    "x-recoveryd-common-errors": Object.fromEntries(
      Object.entries(COMMON_ERRORS).map(([k, v]) => [k, [...v]]),
    ),
    paths,
  };
}
