// The field card is generated from the configuration and the pattern table: it follows both.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../daemon/config/load.js";
import { LED_WAVES } from "../../hal/patterns.js";
import { renderFieldCardMarkdown, renderFieldCardSvg } from "../../scripts/field-card.js";

describe("field card", () => {
  const cfg = parseConfig({});

  it("draws every threshold of the configuration on the time axis", () => {
    const svg = renderFieldCardSvg(cfg);
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    for (const label of [
      "2 s",
      "5 s",
      "15 s",
      "30 s",
      "1 short beep",
      "2 short beeps",
      "1 long beep (1 s)",
    ]) {
      expect(svg).toContain(`>${label}</text>`);
    }
    expect(renderFieldCardSvg(cfg)).toBe(svg); // deterministic: no dates, no randomness
  });

  it("follows a changed configuration", () => {
    const custom = parseConfig({
      button: { credentialMs: 4000, factoryMs: 12_000, stuckMs: 20_000, confirmWindowMs: 8000 },
    });
    const svg = renderFieldCardSvg(custom);
    for (const label of ["4 s", "12 s", "20 s"]) expect(svg).toContain(`>${label}</text>`);
    expect(svg).not.toContain(">15 s</text>");
    const md = renderFieldCardMarkdown(custom);
    expect(md).toContain("| 4 s to 12 s |");
    expect(md).toContain("within 8 s of release");
  });

  it("lists the gesture table and every LED and buzzer pattern with its rate", () => {
    const md = renderFieldCardMarkdown(cfg);
    expect(md).toContain("| less than 2 s | unchanged | — | show status");
    expect(md).toContain(
      "| 5 s to 15 s | slow blink, 1 per second (1 Hz) | 1 short beep at 5 s | credential reset",
    );
    expect(md).toContain("| 30 s or more | solid on | 1 long beep (1 s) at 30 s | nothing");
    for (const p of Object.keys(LED_WAVES))
      expect(md).toContain(`| ${p} | ${LED_WAVES[p as keyof typeof LED_WAVES].description} |`);
    for (const p of ["beep", "double-beep", "long-beep", "confirm", "error"])
      expect(md).toContain(`| ${p} |`);
  });
});
