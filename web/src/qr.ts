// A QR code encoder (ISO/IEC 18004) for the unlock challenge, small enough for the page budget:
// alphanumeric mode only (base32 is upper-case letters and digits), error correction level M,
// versions 1 to 10 (up to 311 characters; a challenge is at most 160). Support scans the code
// off the owner's screen instead of hearing 80-odd characters read out. Pure: modules in, SVG out
// in the page.

const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
// Level M, index = version (ISO/IEC 18004 table 9).
const ECC_PER_BLOCK = [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26];
const BLOCKS = [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5];
const MAX_VERSION = 10;

function rawDataModules(ver: number): number {
  let r = (16 * ver + 128) * ver + 64;
  if (ver >= 2) {
    const n = Math.floor(ver / 7) + 2;
    r -= (25 * n - 10) * n - 55;
    if (ver >= 7) r -= 36;
  }
  return r;
}

function dataCodewords(ver: number): number {
  return Math.floor(rawDataModules(ver) / 8) - (ECC_PER_BLOCK[ver] ?? 0) * (BLOCKS[ver] ?? 0);
}

function gfMul(x: number, y: number): number {
  let z = 0;
  for (let i = 7; i >= 0; i--) {
    z = (z << 1) ^ ((z >>> 7) * 0x11d);
    z ^= ((y >>> i) & 1) * x;
  }
  return z & 0xff;
}

function rsDivisor(degree: number): number[] {
  const r = new Array<number>(degree).fill(0);
  r[degree - 1] = 1;
  let root = 1;
  for (let i = 0; i < degree; i++) {
    for (let j = 0; j < degree; j++) {
      r[j] = gfMul(r[j] ?? 0, root);
      if (j + 1 < degree) r[j] = (r[j] ?? 0) ^ (r[j + 1] ?? 0);
    }
    root = gfMul(root, 2);
  }
  return r;
}

function rsRemainder(data: readonly number[], divisor: readonly number[]): number[] {
  const r = new Array<number>(divisor.length).fill(0);
  for (const b of data) {
    const factor = b ^ (r.shift() ?? 0);
    r.push(0);
    for (let i = 0; i < r.length; i++) r[i] = (r[i] ?? 0) ^ gfMul(divisor[i] ?? 0, factor);
  }
  return r;
}

function bitsOf(text: string, ver: number): number[] {
  const bits: number[] = [];
  const put = (v: number, n: number) => {
    for (let i = n - 1; i >= 0; i--) bits.push((v >>> i) & 1);
  };
  put(0b0010, 4);
  put(text.length, ver <= 9 ? 9 : 11);
  for (let i = 0; i < text.length; i += 2) {
    const a = ALNUM.indexOf(text.charAt(i));
    if (i + 1 < text.length) put(a * 45 + ALNUM.indexOf(text.charAt(i + 1)), 11);
    else put(a, 6);
  }
  const capacity = dataCodewords(ver) * 8;
  put(0, Math.min(4, capacity - bits.length));
  put(0, (8 - (bits.length % 8)) % 8);
  for (let pad = 0xec; bits.length < capacity; pad ^= 0xec ^ 0x11) put(pad, 8);
  return bits;
}

function codewords(text: string, ver: number): number[] {
  const bits = bitsOf(text, ver);
  const data: number[] = [];
  for (let i = 0; i < bits.length; i += 8) data.push(bits.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0));
  const numBlocks = BLOCKS[ver] ?? 1;
  const eccLen = ECC_PER_BLOCK[ver] ?? 0;
  const raw = Math.floor(rawDataModules(ver) / 8);
  const numShort = numBlocks - (raw % numBlocks);
  const shortLen = Math.floor(raw / numBlocks);
  const divisor = rsDivisor(eccLen);
  const blocks: number[][] = [];
  for (let i = 0, k = 0; i < numBlocks; i++) {
    const dat = data.slice(k, k + shortLen - eccLen + (i < numShort ? 0 : 1));
    k += dat.length;
    const ecc = rsRemainder(dat, divisor);
    if (i < numShort) dat.push(0);
    blocks.push(dat.concat(ecc));
  }
  const out: number[] = [];
  for (let i = 0; i < (blocks[0]?.length ?? 0); i++)
    for (let j = 0; j < blocks.length; j++)
      if (i !== shortLen - eccLen || j >= numShort) out.push(blocks[j]?.[i] ?? 0);
  return out;
}

function alignmentPositions(ver: number, size: number): number[] {
  if (ver === 1) return [];
  const n = Math.floor(ver / 7) + 2;
  const step = Math.ceil((ver * 4 + 4) / (n * 2 - 2)) * 2;
  const r = [6];
  for (let pos = size - 7; r.length < n; pos -= step) r.splice(1, 0, pos);
  return r;
}

const MASKS: ((x: number, y: number) => boolean)[] = [
  (x, y) => (x + y) % 2 === 0,
  (_x, y) => y % 2 === 0,
  (x) => x % 3 === 0,
  (x, y) => (x + y) % 3 === 0,
  (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
  (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
  (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
  (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

class Grid {
  readonly dark: boolean[][];
  readonly fixed: boolean[][];
  constructor(readonly size: number) {
    this.dark = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
    this.fixed = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  }
  set(x: number, y: number, dark: boolean): void {
    const row = this.dark[y];
    const f = this.fixed[y];
    if (!row || !f || x < 0 || x >= this.size) return;
    row[x] = dark;
    f[x] = true;
  }
  get(x: number, y: number): boolean {
    return this.dark[y]?.[x] ?? false;
  }
  isFixed(x: number, y: number): boolean {
    return this.fixed[y]?.[x] ?? true;
  }
}

function drawFunctionPatterns(g: Grid, ver: number): void {
  const s = g.size;
  for (let i = 0; i < s; i++) {
    g.set(6, i, i % 2 === 0);
    g.set(i, 6, i % 2 === 0);
  }
  for (const [cx, cy] of [
    [3, 3],
    [s - 4, 3],
    [3, s - 4],
  ] as const) {
    for (let dy = -4; dy <= 4; dy++)
      for (let dx = -4; dx <= 4; dx++) {
        const d = Math.max(Math.abs(dx), Math.abs(dy));
        const x = cx + dx;
        const y = cy + dy;
        if (x >= 0 && x < s && y >= 0 && y < s) g.set(x, y, d !== 2 && d !== 4);
      }
  }
  const pos = alignmentPositions(ver, s);
  const last = pos.length - 1;
  for (let i = 0; i <= last; i++)
    for (let j = 0; j <= last; j++) {
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) continue;
      for (let dy = -2; dy <= 2; dy++)
        for (let dx = -2; dx <= 2; dx++)
          g.set((pos[i] ?? 0) + dx, (pos[j] ?? 0) + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
    }
  drawFormat(g, 0);
  if (ver >= 7) {
    let rem = ver;
    for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
    const bits = (ver << 12) | rem;
    for (let i = 0; i < 18; i++) {
      const bit = ((bits >>> i) & 1) !== 0;
      const a = s - 11 + (i % 3);
      const b = Math.floor(i / 3);
      g.set(a, b, bit);
      g.set(b, a, bit);
    }
  }
}

function drawFormat(g: Grid, mask: number): void {
  // Level M's format bits are 00.
  const data = mask;
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  const bits = ((data << 10) | rem) ^ 0x5412;
  const bit = (i: number) => ((bits >>> i) & 1) !== 0;
  const s = g.size;
  for (let i = 0; i <= 5; i++) g.set(8, i, bit(i));
  g.set(8, 7, bit(6));
  g.set(8, 8, bit(7));
  g.set(7, 8, bit(8));
  for (let i = 9; i < 15; i++) g.set(14 - i, 8, bit(i));
  for (let i = 0; i < 8; i++) g.set(s - 1 - i, 8, bit(i));
  for (let i = 8; i < 15; i++) g.set(8, s - 15 + i, bit(i));
  g.set(8, s - 8, true);
}

function placeData(g: Grid, data: readonly number[]): void {
  const s = g.size;
  let i = 0;
  for (let right = s - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let v = 0; v < s; v++)
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        const y = ((right + 1) & 2) === 0 ? s - 1 - v : v;
        if (!g.isFixed(x, y) && i < data.length * 8) {
          const row = g.dark[y];
          if (row) row[x] = (((data[i >>> 3] ?? 0) >>> (7 - (i & 7))) & 1) !== 0;
          i++;
        }
      }
  }
}

function applyMask(g: Grid, mask: number): void {
  const fn = MASKS[mask];
  if (!fn) return;
  for (let y = 0; y < g.size; y++)
    for (let x = 0; x < g.size; x++) {
      const row = g.dark[y];
      if (row && !g.isFixed(x, y) && fn(x, y)) row[x] = !row[x];
    }
}

/** Runs of five or more, 2x2 blocks and dark/light balance (rules 1, 2 and 4 of the standard). */
function penalty(g: Grid): number {
  const s = g.size;
  let p = 0;
  let dark = 0;
  for (let a = 0; a < s; a++) {
    let runH = 1;
    let runV = 1;
    for (let b = 0; b < s; b++) {
      if (g.get(b, a)) dark++;
      if (b > 0) {
        runH = g.get(b, a) === g.get(b - 1, a) ? runH + 1 : 1;
        runV = g.get(a, b) === g.get(a, b - 1) ? runV + 1 : 1;
        if (runH === 5) p += 3;
        else if (runH > 5) p++;
        if (runV === 5) p += 3;
        else if (runV > 5) p++;
      }
      if (a > 0 && b > 0) {
        const c = g.get(b, a);
        if (c === g.get(b - 1, a) && c === g.get(b, a - 1) && c === g.get(b - 1, a - 1)) p += 3;
      }
    }
  }
  const total = s * s;
  p += (Math.ceil(Math.abs(dark * 20 - total * 10) / total) - 1) * 10;
  return p;
}

/** The modules of the QR code for `text` (dark = true), version chosen to fit. */
export function qrModules(text: string): boolean[][] {
  const upper = text.toUpperCase();
  if ([...upper].some((c) => !ALNUM.includes(c))) throw new Error("QR: alphanumeric characters only");
  let ver = 1;
  while (
    ver <= MAX_VERSION &&
    4 + (ver <= 9 ? 9 : 11) + Math.ceil((upper.length * 11) / 2) > dataCodewords(ver) * 8
  )
    ver++;
  if (ver > MAX_VERSION) throw new Error("QR: text too long");
  const data = codewords(upper, ver);
  let best: Grid | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  for (let mask = 0; mask < 8; mask++) {
    const g = new Grid(ver * 4 + 17);
    drawFunctionPatterns(g, ver);
    placeData(g, data);
    applyMask(g, mask);
    drawFormat(g, mask);
    const score = penalty(g);
    if (score < bestScore) {
      best = g;
      bestScore = score;
    }
  }
  return (best as Grid).dark;
}

/** The code as an SVG element (4 modules of quiet zone), labelled for screen readers. */
export function qrSvg(text: string, label: string): SVGSVGElement {
  const m = qrModules(text);
  const n = m.length + 8;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${n} ${n}`);
  svg.setAttribute("width", String(n * 4));
  svg.setAttribute("height", String(n * 4));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("shape-rendering", "crispEdges");
  const bg = document.createElementNS(ns, "rect");
  bg.setAttribute("width", String(n));
  bg.setAttribute("height", String(n));
  bg.setAttribute("fill", "#fff");
  const path = document.createElementNS(ns, "path");
  let d = "";
  m.forEach((row, y) => {
    row.forEach((on, x) => {
      if (on) d += `M${x + 4} ${y + 4}h1v1h-1z`;
    });
  });
  path.setAttribute("d", d);
  path.setAttribute("fill", "#000");
  svg.append(bg, path);
  return svg;
}
