// The control-socket protocol of the simulated board (`<runtimeDir>/sim.sock`): newline-delimited
// JSON, one request per line, one reply per request (matched by the optional `id`), plus event
// lines on a watching connection. Every reply carries `ok` and the server's CLOCK_MONOTONIC `atMs`.
//
//   {"op":"down"} / {"op":"up"}      -> {"ok":true,"op":"down","atMs":..,"pressed":true,"changed":true}
//   {"op":"bounce","count":n,"intervalMs":m[,"settle":"down"|"up"]}
//                                    -> {"ok":true,"op":"bounce","startedAtMs":..,"atMs":..,"edges":k}
//   {"op":"state"}                   -> {"ok":true,"op":"state","atMs":..,"pressed":..,"led":..,"buzzer":..,"edges":..,"lineFailed":..}
//   {"op":"watch"}                   -> the state reply, then lines {"event":"edge"|"led"|"buzzer"|"error"|"daemon",...}
//   {"op":"fail"[,"message":s]} / {"op":"repair"}   (GPIO failure injection)
//   errors                           -> {"ok":false,"error":"...","atMs":..}
import * as z from "zod";
import type { SimEvent, SimState } from "./board.js";

export const MAX_LINE_BYTES = 4096;

const id = z.union([z.string().max(100), z.number()]).optional();

export const requestSchema = z.discriminatedUnion("op", [
  z.object({ op: z.literal("down"), id }).strict(),
  z.object({ op: z.literal("up"), id }).strict(),
  z
    .object({
      op: z.literal("bounce"),
      id,
      count: z.number().int().min(1).max(1000),
      intervalMs: z.number().min(0).max(10_000),
      settle: z.enum(["down", "up"]).optional(),
    })
    .strict(),
  z.object({ op: z.literal("state"), id }).strict(),
  z.object({ op: z.literal("watch"), id }).strict(),
  z.object({ op: z.literal("fail"), id, message: z.string().max(200).optional() }).strict(),
  z.object({ op: z.literal("repair"), id }).strict(),
]);

export type SimRequest = z.infer<typeof requestSchema>;
export type SimOp = SimRequest["op"];

type ReplyBase = { ok: true; atMs: number; id?: string | number };

export type EdgeReply = ReplyBase & { op: "down" | "up"; pressed: boolean; changed: boolean };
export type BounceReply = ReplyBase & { op: "bounce"; startedAtMs: number; edges: number };
export type StateReply = ReplyBase & { op: "state" | "watch" } & Omit<SimState, "atMs">;
export type PlainReply = ReplyBase & { op: "fail" | "repair" };
export type ErrorReply = { ok: false; error: string; atMs: number; id?: string | number };
export type SimReply = EdgeReply | BounceReply | StateReply | PlainReply | ErrorReply;

/** A daemon event (tier, press, state...) forwarded to watchers when the daemon wires one in. */
export type DaemonEventLine = { event: "daemon"; data: { type: string }; atMs: number };
export type WatchEvent = SimEvent | DaemonEventLine;
