// What the credential store last acknowledged, kept OUTSIDE the database (SPEC 4: "store loss is
// a fault, never first boot"). A lost WAL, a database truncated to nothing, or an old copy put
// back all open as a perfectly valid SQLite file in first-boot state; only this small file knows
// the recorder was claimed. It is rewritten (atomically, fsynced) after every commit that changes
// the generation or whether an admin exists, and before that change is acknowledged to anyone.
//
// Reading it against the database at open:
//   no marker                         never provisioned (or a store from before the marker): trust
//                                      the database and write the marker from it
//   database at or ahead of marker    normal; a crash between commit and marker leaves it ahead
//   database behind marker            the store lost committed state: store fault
//   marker unreadable or damaged      cannot tell: store fault (the checksum catches a flipped bit)
import { createHash, randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { fsyncDir } from "../crypto/pepper.js";

export const STATE_MARKER = "credentials.state";

export interface StoreMarker {
  generation: number;
  provisioned: boolean;
  /** Once true, stays true until a store rebuild or factory reset: the device had an owner. */
  everProvisioned: boolean;
}

export type MarkerReading =
  | { kind: "absent" }
  | { kind: "ok"; marker: StoreMarker }
  | { kind: "damaged"; detail: string };

function checksum(m: StoreMarker): string {
  return createHash("sha256")
    .update(`recoveryd-state/v1\n${m.generation}\n${m.provisioned ? 1 : 0}\n${m.everProvisioned ? 1 : 0}`)
    .digest("hex");
}

export function readStoreMarker(dir: string): MarkerReading {
  let text: string;
  try {
    text = readFileSync(path.join(dir, STATE_MARKER), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { kind: "absent" };
    return { kind: "damaged", detail: `unreadable: ${(err as Error).message}` };
  }
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    const m: StoreMarker = {
      generation: raw.generation as number,
      provisioned: raw.provisioned as boolean,
      everProvisioned: raw.everProvisioned as boolean,
    };
    if (
      raw.v !== 1 ||
      !Number.isSafeInteger(m.generation) ||
      m.generation < 1 ||
      typeof m.provisioned !== "boolean" ||
      typeof m.everProvisioned !== "boolean" ||
      raw.sum !== checksum(m)
    ) {
      return { kind: "damaged", detail: "fields or checksum do not match" };
    }
    return { kind: "ok", marker: m };
  } catch {
    return { kind: "damaged", detail: "not JSON" };
  }
}

/** Durable on return: temp file fsynced, renamed over the marker, directory fsynced. */
export function writeStoreMarker(dir: string, m: StoreMarker): void {
  const file = path.join(dir, STATE_MARKER);
  const tmp = path.join(dir, `.${STATE_MARKER}.${randomBytes(6).toString("hex")}.tmp`);
  const body = `${JSON.stringify({ v: 1, ...m, sum: checksum(m) })}\n`;
  try {
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, body);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}

/** Why the database cannot be trusted given the marker, or null when it can. */
export function judgeStore(
  marker: MarkerReading,
  db: { generation: number; provisioned: boolean } | null,
): string | null {
  if (marker.kind === "damaged") return `the store's state marker is damaged (${marker.detail})`;
  if (marker.kind === "absent") return null;
  const m = marker.marker;
  if (!db) return m.everProvisioned ? "the credential store is missing or empty" : null;
  if (db.generation < m.generation)
    return `the credential store is at generation ${db.generation}, behind the ${m.generation} it acknowledged`;
  if (db.generation === m.generation && m.provisioned && !db.provisioned)
    return "the credential store lost its accounts (generation unchanged)";
  return null;
}
