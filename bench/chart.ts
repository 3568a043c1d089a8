// An SVG histogram of press-timing errors (classified hold - commanded hold), one series per load.
export interface Series {
  label: string;
  color: string;
  errorsMs: number[];
}

export function pressErrorChart(series: Series[], binMs = 0.25): string {
  const all = series.flatMap((s) => s.errorsMs);
  const lo = Math.floor(Math.min(0, ...all) / binMs) * binMs;
  const hi = Math.ceil(Math.max(1, ...all) / binMs) * binMs;
  const bins = Math.max(1, Math.round((hi - lo) / binMs));
  const counts = series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const e of s.errorsMs) {
      const i = Math.min(bins - 1, Math.floor((e - lo) / binMs));
      c[i] = (c[i] ?? 0) + 1;
    }
    return c;
  });
  const maxCount = Math.max(1, ...counts.flat());
  const W = 720;
  const H = 320;
  const left = 50;
  const bottom = 40;
  const plotW = W - left - 20;
  const plotH = H - bottom - 40;
  const bw = plotW / bins / series.length;
  const bars: string[] = [];
  counts.forEach((c, si) => {
    c.forEach((n, bi) => {
      if (!n) return;
      const h = (n / maxCount) * plotH;
      const x = left + (bi * series.length + si) * bw;
      bars.push(
        `<rect x="${x.toFixed(1)}" y="${(H - bottom - h).toFixed(1)}" width="${Math.max(1, bw - 0.5).toFixed(1)}" height="${h.toFixed(1)}" fill="${series[si]?.color}"/>`,
      );
    });
  });
  const ticks: string[] = [];
  const step = Math.max(binMs, Math.ceil((hi - lo) / 8 / binMs) * binMs);
  for (let v = lo; v <= hi + 1e-9; v += step) {
    const x = left + ((v - lo) / (hi - lo)) * plotW;
    ticks.push(
      `<line x1="${x.toFixed(1)}" y1="${H - bottom}" x2="${x.toFixed(1)}" y2="${H - bottom + 5}" stroke="#333"/>`,
      `<text x="${x.toFixed(1)}" y="${H - bottom + 18}" font-size="11" text-anchor="middle">${v.toFixed(2)}</text>`,
    );
  }
  const legend = series.map(
    (s, i) =>
      `<rect x="${left + i * 200}" y="12" width="12" height="12" fill="${s.color}"/><text x="${left + 18 + i * 200}" y="22" font-size="12">${s.label} (n=${s.errorsMs.length})</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...legend,
    ...bars,
    `<line x1="${left}" y1="${H - bottom}" x2="${W - 20}" y2="${H - bottom}" stroke="#333"/>`,
    ...ticks,
    `<text x="${left + plotW / 2}" y="${H - 5}" font-size="12" text-anchor="middle">press-timing error (ms): classified hold - commanded hold</text>`,
    `<text x="12" y="${40 + plotH / 2}" font-size="12" transform="rotate(-90 12 ${40 + plotH / 2})" text-anchor="middle">presses</text>`,
    "</svg>",
  ].join("\n");
}
