// Generates the field card from the configured thresholds and the pattern table the firmware
// plays, so the card cannot drift from either: docs/field-card.svg (timing diagram) and, with
// --markdown, the README table on stdout.
//
//   tsx scripts/field-card.ts [config.json] [--out docs/field-card.svg] [--markdown]
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { loadConfigFile, parseConfig } from "../daemon/config/load.js";
import type { Config } from "../daemon/config/schema.js";
import { cardText, fmt } from "../daemon/press/tier-words.js";
import { holdingLed, TIER_ORDER, type Tier, tierBuzzer, tierStartMs } from "../daemon/press/tiers.js";
import { BUZZER_WAVES, LED_WAVES, type Step } from "../hal/patterns.js";
import type { LedPattern } from "../hal/ports.js";

export { fmt };

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

interface TierRow {
  tier: Tier;
  from: number;
  to: number | null;
  led: string;
  buzzer: string;
  release: string;
  color: string;
}

export function tierRows(cfg: Config): TierRow[] {
  const b = cfg.button;
  const words = { setupWindowMinutes: cfg.setupWindow.minutes, confirmWindowMs: b.confirmWindowMs };
  const colors: Record<Tier, string> = {
    short: "#dbeafe",
    dead: "#e5e7eb",
    credential: "#fde68a",
    factory: "#fca5a5",
    stuck: "#d1d5db",
  };
  return TIER_ORDER.map((tier, i) => {
    const next = TIER_ORDER[i + 1];
    const led = holdingLed(tier);
    const sound = tierBuzzer(tier);
    return {
      tier,
      from: tierStartMs(tier, b),
      to: next ? tierStartMs(next, b) : null,
      led: led ? LED_WAVES[led].description : "unchanged",
      buzzer: sound ? `${BUZZER_WAVES[sound].description} at ${fmt(tierStartMs(tier, b))}` : "—",
      release: cardText(tier, words),
      color: colors[tier],
    };
  });
}

/** Rectangles for the "on" steps of a looping wave between t0 and t1 (ms), in x units. */
function waveRects(
  steps: readonly Step[],
  t0: number,
  t1: number,
  x: (t: number) => number,
  y: number,
  h: number,
): string {
  const period = steps.reduce((s, st) => s + st.ms, 0);
  if (period === 0) {
    return steps[0]?.on
      ? `<rect x="${x(t0)}" y="${y}" width="${x(t1) - x(t0)}" height="${h}" fill="#f59e0b"/>`
      : "";
  }
  const out: string[] = [];
  for (let t = t0; t < t1; ) {
    for (const st of steps) {
      if (t >= t1) break;
      const end = Math.min(t + st.ms, t1);
      if (st.on)
        out.push(
          `<rect x="${r(x(t))}" y="${y}" width="${r(Math.max(0.5, x(end) - x(t)))}" height="${h}" fill="#f59e0b"/>`,
        );
      t = end;
    }
  }
  return out.join("");
}

/** The first label that fits `width` px, by a rough sans-serif estimate (0.6 em per character). */
function fitLabel(width: number, fontSize: number, labels: string[]): string {
  return labels.find((l) => l.length * fontSize * 0.6 <= width) ?? "";
}

function r(n: number): number {
  return Math.round(n * 10) / 10;
}

export function renderFieldCardSvg(cfg: Config): string {
  const b = cfg.button;
  const W = 960;
  const left = 150;
  const right = 30;
  const end = b.stuckMs + Math.max(5000, Math.round(b.stuckMs * 0.15));
  const x = (t: number) => r(left + (t / end) * (W - left - right));
  const rows = tierRows(cfg);
  const parts: string[] = [];
  const text = (tx: number, ty: number, s: string, extra = "") =>
    `<text x="${tx}" y="${ty}"${extra}>${esc(s)}</text>`;

  parts.push(
    text(
      20,
      32,
      "recoveryd reset button: hold, watch the LED, release",
      ' font-size="20" font-weight="bold"',
    ),
  );
  parts.push(
    text(
      20,
      54,
      "Hold the button with a paperclip. The LED and buzzer tell you what releasing now will do.",
      ' font-size="13"',
    ),
  );

  // Row 1: what releasing does, as coloured bands with the thresholds.
  const bandY = 80;
  parts.push(text(20, bandY + 30, "Release does", ' font-size="13" font-weight="bold"'));
  for (const row of rows) {
    const x0 = x(row.from);
    const x1 = x(row.to ?? end);
    parts.push(
      `<rect x="${x0}" y="${bandY}" width="${r(x1 - x0)}" height="48" fill="${row.color}" stroke="#374151"/>`,
    );
    const labels: Record<Tier, [string[], string[]]> = {
      short: [
        ["short press", "short"],
        ["", "press"],
      ],
      dead: [["nothing"], [""]],
      credential: [
        ["CREDENTIAL RESET", "CREDENTIAL", "CRED."],
        ["recordings kept", ""],
      ],
      factory: [
        ["FACTORY RESET", "FACTORY", "FACT."],
        [`+ short press within ${fmt(b.confirmWindowMs)}`, "+ confirm", ""],
      ],
      stuck: [
        ["nothing (stuck)", "nothing", ""],
        ["", "(stuck)", ""],
      ],
    };
    const width = x1 - x0 - 6;
    const [first, second] = labels[row.tier];
    const main = fitLabel(width, 12, first);
    // The second line pairs with the first: a shortened first line gets the matching second line.
    const sub = fitLabel(width, 11, second.slice(Math.min(first.indexOf(main), second.length - 1)));
    parts.push(text(r(x0 + 4), bandY + 20, main, ' font-size="12" font-weight="bold"'));
    if (sub) parts.push(text(r(x0 + 4), bandY + 38, sub, ' font-size="11"'));
  }

  // Row 2: the LED while holding, drawn from the same waves the LED driver plays.
  const ledY = 150;
  parts.push(text(20, ledY + 18, "LED (holding)", ' font-size="13" font-weight="bold"'));
  parts.push(`<rect x="${x(0)}" y="${ledY}" width="${r(x(end) - x(0))}" height="26" fill="#111827"/>`);
  for (const row of rows) {
    const led = holdingLed(row.tier);
    if (!led) {
      const label = fitLabel(x(row.to ?? end) - x(row.from) - 6, 11, ["unchanged", "same", "="]);
      parts.push(text(r(x(row.from) + 4), ledY + 17, label, ' font-size="11" fill="#9ca3af"'));
      continue;
    }
    parts.push(waveRects(LED_WAVES[led].steps, row.from, row.to ?? end, (t) => x(t), ledY + 3, 20));
  }

  // Row 3: buzzer marks at the thresholds.
  const bzY = 200;
  parts.push(text(20, bzY + 18, "Buzzer", ' font-size="13" font-weight="bold"'));
  parts.push(`<line x1="${x(0)}" y1="${bzY + 13}" x2="${x(end)}" y2="${bzY + 13}" stroke="#9ca3af"/>`);
  for (const row of rows) {
    const sound = tierBuzzer(row.tier);
    if (!sound) continue;
    const bx = x(row.from);
    parts.push(`<path d="M${bx} ${bzY + 1} l-7 12 l14 0 z" fill="#2563eb"/>`);
    parts.push(text(r(bx + 9), bzY + 11, BUZZER_WAVES[sound].description, ' font-size="11"'));
  }

  // The time axis with every threshold labelled exactly.
  const axY = 235;
  parts.push(`<line x1="${x(0)}" y1="${axY}" x2="${x(end)}" y2="${axY}" stroke="#111827"/>`);
  for (let t = 0; t <= end; t += 1000) {
    const major = t % 5000 === 0;
    parts.push(
      `<line x1="${x(t)}" y1="${axY}" x2="${x(t)}" y2="${axY + (major ? 8 : 4)}" stroke="#111827"/>`,
    );
  }
  for (const row of rows) {
    parts.push(
      `<line x1="${x(row.from)}" y1="${bandY}" x2="${x(row.from)}" y2="${axY}" stroke="#374151" stroke-dasharray="3 3"/>`,
    );
    parts.push(
      text(x(row.from), axY + 22, fmt(row.from), ' font-size="12" text-anchor="middle" font-weight="bold"'),
    );
  }
  parts.push(text(20, axY + 22, "Hold time", ' font-size="13" font-weight="bold"'));

  // After release: the other LED patterns, 4 s of each.
  const afterY = 290;
  parts.push(text(20, afterY, "After release", ' font-size="15" font-weight="bold"'));
  const shown: [LedPattern, string][] = [
    ["confirm-wait", `press once more, briefly, within ${fmt(b.confirmWindowMs)} to confirm the reset`],
    ["done", `reset done (${fmt(b.doneFlashMs)})`],
    ["setup-pending", "waiting for a new admin password (first-boot state)"],
    ["fault", "store or button unusable: hold 5-15 s to rebuild the store; if it stays on, call support"],
  ];
  const span = 4000;
  const wx = (t: number) => r(left + (t / span) * 260);
  shown.forEach(([p, meaning], i) => {
    const y = afterY + 18 + i * 36;
    parts.push(text(20, y + 16, p, ' font-size="12" font-weight="bold"'));
    parts.push(`<rect x="${left}" y="${y}" width="260" height="22" fill="#111827"/>`);
    parts.push(waveRects(LED_WAVES[p].steps, 0, span, wx, y + 3, 16));
    parts.push(text(left + 275, y + 11, LED_WAVES[p].description, ' font-size="12"'));
    parts.push(text(left + 275, y + 25, meaning, ' font-size="11" fill="#374151"'));
  });
  const footY = afterY + 18 + shown.length * 36 + 14;
  const notes = [
    "Held when the recorder starts: timed from start-up, and any reset needs the confirming short press.",
    `A button that stays down never resets anything. Each threshold starts its tier (exactly ${fmt(b.credentialMs)} is a credential reset).`,
  ];
  for (const [i, n] of notes.entries())
    parts.push(text(20, footY + i * 16, n, ' font-size="11" fill="#374151"'));
  const H = footY + notes.length * 16 + 4;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}

export function renderFieldCardMarkdown(cfg: Config, svgPath = "docs/field-card.svg"): string {
  const rows = tierRows(cfg);
  const span = (row: TierRow) =>
    row.to === null
      ? `${fmt(row.from)} or more`
      : row.from === 0
        ? `less than ${fmt(row.to)}`
        : `${fmt(row.from)} to ${fmt(row.to)}`;
  const lines = [
    "### Reset button field card",
    "",
    `![Reset button timing diagram](${svgPath})`,
    "",
    "| Hold | LED while holding | Buzzer | Releasing now does |",
    "|---|---|---|---|",
    ...rows.map((row) => `| ${span(row)} | ${row.led} | ${row.buzzer} | ${row.release} |`),
    "",
    "| LED | Looks like | Means |",
    "|---|---|---|",
  ];
  const meaning: Record<LedPattern, string> = {
    off: "idle (provisioned), or held in the dead zone: releasing does nothing",
    on: "held too long: releasing does nothing; if it stays on, the button is stuck",
    "slow-blink": "releasing now resets the credentials",
    "fast-blink": "releasing now arms a factory reset (confirm with a short press)",
    "confirm-wait": `press briefly once more within ${fmt(cfg.button.confirmWindowMs)} to confirm; otherwise nothing happens`,
    done: `the reset is done (shown for ${fmt(cfg.button.doneFlashMs)})`,
    status: "short press on a provisioned recorder: it is working, nothing changed",
    refused: `refused, nothing was done: a USB file that is not a valid grant for this recorder, or a confirm press too long (shown for ${fmt(cfg.button.doneFlashMs)}; the audit log names the reason)`,
    "setup-pending": "first-boot state: set a new admin password",
    fault:
      "the credential store is lost, damaged or unwritable, or the button is unusable: a 5-15 s hold rebuilds the store (then claim it again); if it stays on, call support",
  };
  for (const p of Object.keys(LED_WAVES) as LedPattern[])
    lines.push(`| ${p} | ${LED_WAVES[p].description} | ${meaning[p]} |`);
  lines.push("", "| Buzzer | Sounds like | Means |", "|---|---|---|");
  const sounds: Record<keyof typeof BUZZER_WAVES, string> = {
    beep: `credential tier reached (${fmt(cfg.button.credentialMs)})`,
    "double-beep": `factory tier reached (${fmt(cfg.button.factoryMs)})`,
    "long-beep": `held too long (${fmt(cfg.button.stuckMs)}): stuck`,
    confirm: "confirmation expected, or accepted",
    error: "confirmation window over: nothing was done",
  };
  for (const [p, w] of Object.entries(BUZZER_WAVES))
    lines.push(`| ${p} | ${w.description} | ${sounds[p as keyof typeof sounds]} |`);
  lines.push(
    "",
    `**Claiming a new recorder** (fresh from the factory, or after any reset): press the button briefly; for the next ${cfg.setupWindow.minutes} min the setup page accepts the first admin password. Or type the 16-character code from the sticker into the setup page, no press needed. Restarting or unplugging the recorder never opens setup by itself.`,
    "",
    `A button already held when the recorder starts is timed from start-up, and any reset it reaches also needs the confirming short press; a button that stays down never resets anything. Each threshold belongs to the tier it starts (exactly ${fmt(cfg.button.credentialMs)} is a credential reset). Contact bounce shorter than ${fmt(cfg.button.debounceMs)} is ignored.`,
    "",
    "**Restore your schedule after a reset**: a factory reset puts the recording schedule and network settings back to factory defaults. Set the new admin password, plug in the USB stick holding the configuration backup and run `recoveryctl backup restore <file on the stick>` (or Restore in the web UI): the schedule and settings come back in one step. A credential reset (the 5-15 s hold) keeps them: nothing to restore.",
    "",
  );
  return lines.join("\n");
}

function main(argv: string[]): void {
  let configPath: string | undefined;
  let out = path.join("docs", "field-card.svg");
  let markdown = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--markdown") markdown = true;
    else if (a === "--out") out = argv[++i] ?? out;
    else if (a && !a.startsWith("--")) configPath = a;
    else {
      process.stderr.write("usage: field-card [config.json] [--out file.svg] [--markdown]\n");
      process.exit(2);
    }
  }
  const cfg = configPath ? loadConfigFile(configPath) : parseConfig({});
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, renderFieldCardSvg(cfg));
  if (markdown) process.stdout.write(renderFieldCardMarkdown(cfg));
  else process.stderr.write(`wrote ${out}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2));
}
