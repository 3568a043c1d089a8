// A small POSIX ustar writer and a strict reader (pure). The writer makes archives GNU tar and
// bsdtar list; the reader accepts what `tar -c` makes (ustar, GNU and pax headers for long names)
// and reports every other entry type as it is, so the caller can refuse links and devices.
import { BackupError } from "../errors.js";

export interface TarEntry {
  name: string;
  /** "file", "dir", or what the entry really is ("symlink", "hardlink", "device", "fifo", ...). */
  type: string;
  mode: number;
  data: Uint8Array;
}

const BLOCK = 512;
const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

function put(buf: Uint8Array, offset: number, text: string, width: number): void {
  const bytes = enc.encode(text);
  if (bytes.length > width) throw new BackupError("io", `tar field too long: ${text.slice(0, 40)}`);
  buf.set(bytes, offset);
}

function splitName(name: string): { prefix: string; base: string } {
  if (enc.encode(name).length <= 100) return { prefix: "", base: name };
  for (let i = name.lastIndexOf("/"); i > 0; i = name.lastIndexOf("/", i - 1)) {
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (enc.encode(prefix).length <= 155 && enc.encode(base).length <= 100) return { prefix, base };
  }
  throw new BackupError("io", `path too long for the backup format: ${name.slice(0, 60)}...`);
}

function header(name: string, type: "0" | "5", mode: number, size: number, mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const { prefix, base } = splitName(name);
  put(h, 0, base, 100);
  put(h, 100, octal(mode & 0o7777, 8), 8);
  put(h, 108, octal(0, 8), 8);
  put(h, 116, octal(0, 8), 8);
  put(h, 124, octal(size, 12), 12);
  put(h, 136, octal(mtime, 12), 12);
  h.fill(0x20, 148, 156);
  put(h, 156, type, 1);
  put(h, 257, "ustar\x0000", 8);
  put(h, 345, prefix, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(h, 148, `${sum.toString(8).padStart(6, "0")}\0 `, 8);
  return h;
}

export function writeTar(entries: readonly TarEntry[], mtime = 0): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const isDir = e.type === "dir";
    const name = isDir && !e.name.endsWith("/") ? `${e.name}/` : e.name;
    const size = isDir ? 0 : e.data.length;
    parts.push(header(name, isDir ? "5" : "0", e.mode, size, mtime));
    if (!isDir) {
      parts.push(e.data);
      const pad = (BLOCK - (size % BLOCK)) % BLOCK;
      if (pad) parts.push(new Uint8Array(pad));
    }
  }
  parts.push(new Uint8Array(BLOCK * 2));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const TYPES: Record<string, string> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "char-device",
  "4": "block-device",
  "5": "dir",
  "6": "fifo",
};

function str(h: Uint8Array, offset: number, width: number): string {
  const slice = h.subarray(offset, offset + width);
  const end = slice.indexOf(0);
  try {
    return dec.decode(end === -1 ? slice : slice.subarray(0, end));
  } catch {
    throw new BackupError("corrupt", "the archive holds a name that is not UTF-8");
  }
}

function num(h: Uint8Array, offset: number, width: number): number {
  const text = str(h, offset, width).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new BackupError("corrupt", "the archive has a malformed header");
  return Number.parseInt(text, 8);
}

function checksumOk(h: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] as number);
  return sum === num(h, 148, 8);
}

/** Parses a whole archive. Throws BackupError("corrupt") on anything malformed. */
export function readTar(buf: Uint8Array, limits: { maxEntries: number; maxBytes: number }): TarEntry[] {
  const out: TarEntry[] = [];
  let offset = 0;
  let longName: string | null = null;
  let total = 0;
  for (;;) {
    if (offset + BLOCK > buf.length) throw new BackupError("corrupt", "the archive is truncated");
    const h = buf.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) return out;
    if (!checksumOk(h)) throw new BackupError("corrupt", "the archive has a damaged header");
    const flag = String.fromCharCode(h[156] as number);
    const size = num(h, 124, 12);
    const start = offset + BLOCK;
    const end = start + size;
    if (end > buf.length) throw new BackupError("corrupt", "the archive is truncated");
    total += size;
    if (total > limits.maxBytes)
      throw new BackupError("too_large", `the archive holds more than ${limits.maxBytes} bytes`);
    const data = buf.subarray(start, end);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === "L") {
      longName = str(data, 0, data.length);
      continue;
    }
    if (flag === "x") {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (flag === "g") continue;
    const prefix = str(h, 257, 6).startsWith("ustar") ? str(h, 345, 155) : "";
    const base = str(h, 0, 100);
    const name = longName ?? (prefix ? `${prefix}/${base}` : base);
    longName = null;
    out.push({ name, type: TYPES[flag] ?? `type-${flag.charCodeAt(0)}`, mode: num(h, 100, 8), data });
    if (out.length > limits.maxEntries)
      throw new BackupError("too_large", `the archive holds more than ${limits.maxEntries} entries`);
  }
}

function paxPath(data: Uint8Array): string | null {
  let text: string;
  try {
    text = dec.decode(data);
  } catch {
    throw new BackupError("corrupt", "the archive has a damaged pax header");
  }
  let path: string | null = null;
  let i = 0;
  while (i < text.length) {
    const sp = text.indexOf(" ", i);
    const len = Number.parseInt(text.slice(i, sp), 10);
    if (!(len > 0) || sp < 0) throw new BackupError("corrupt", "the archive has a damaged pax header");
    const rec = text.slice(sp + 1, i + len - 1);
    if (rec.startsWith("path=")) path = rec.slice(5);
    i += len;
  }
  return path;
}
