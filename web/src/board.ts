// The virtual board page for QA: presses the simulated board's button through /sim/ (the dev
// server's bridge to the board's control socket, web/dev/sim-bridge.ts) and draws the LED,
// buzzer, tier and state from the daemon's event stream, with the firmware's own pattern table
// (hal/patterns.ts) and the field card's words (daemon/press/tier-words.ts).

import { cardText } from "../../daemon/press/tier-words.js";
import type { Tier } from "../../daemon/press/tiers.js";
import { BUZZER_WAVES, LED_WAVES, type Step } from "../../hal/patterns.js";
import type { BuzzerPattern, LedPattern } from "../../hal/ports.js";
import { events } from "./api.js";
import { $, show } from "./dom.js";

// Configuration defaults (setupWindow.minutes, button.confirmWindowMs): the API does not publish them.
const WORDS = { setupWindowMinutes: 15, confirmWindowMs: 10_000 };

let downAt: number | null = null;
let ledTimer: ReturnType<typeof setTimeout> | undefined;
let audio: AudioContext | undefined;

async function sim(op: "down" | "up"): Promise<void> {
  const res = await fetch(`/sim/${op}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
    cache: "no-store",
  });
  if (!res.ok) $("board-status").textContent = `The board refused "${op}" (${res.status}).`;
  // The board's last confirmed edge, for QA (and the tests) to see the press has landed.
  else $("hold-button").dataset.sim = op;
}

function press(): void {
  if (downAt !== null) return;
  downAt = performance.now();
  $("hold-button").setAttribute("aria-pressed", "true");
  // A user gesture: the only moment a browser lets the page start its audio.
  audio ??= new AudioContext();
  // A hold starts in the short tier; the daemon's tier events move it on from there.
  showTier("short");
  void sim("down");
  requestAnimationFrame(tickHeld);
}

function release(): void {
  if (downAt === null) return;
  downAt = null;
  $("hold-button").setAttribute("aria-pressed", "false");
  void sim("up");
}

function tickHeld(): void {
  if (downAt === null) return;
  $("held").textContent = `${((performance.now() - downAt) / 1000).toFixed(1)} s`;
  requestAnimationFrame(tickHeld);
}

/** Plays a looping LED wave by toggling the drawn LED, step by step. */
function drawLed(pattern: string): void {
  clearTimeout(ledTimer);
  const wave = LED_WAVES[pattern as LedPattern];
  const led = $("led");
  led.dataset.pattern = pattern;
  // When the page applied the event, for the test that measures the lag behind the daemon.
  led.dataset.changedAt = String(performance.timeOrigin + performance.now());
  $("led-text").textContent = wave ? wave.description : pattern;
  led.setAttribute("aria-label", `LED ${wave ? wave.description : pattern}`);
  if (!wave) return;
  const steps: readonly Step[] = wave.steps;
  let i = 0;
  const step = () => {
    const s = steps[i % steps.length];
    if (!s) return;
    led.classList.toggle("lit", s.on);
    i++;
    if (!wave.steady) ledTimer = setTimeout(step, s.ms);
  };
  step();
}

function playBuzzer(pattern: string): void {
  const wave = BUZZER_WAVES[pattern as BuzzerPattern];
  $("buzzer").textContent = wave ? wave.description : pattern;
  if (!wave || !audio) return;
  const ctx = audio;
  let t = ctx.currentTime;
  for (const s of wave.steps) {
    if (s.on) {
      const osc = ctx.createOscillator();
      osc.frequency.value = 2700; // a piezo buzzer's usual pitch
      osc.connect(ctx.destination);
      osc.start(t);
      osc.stop(t + s.ms / 1000);
    }
    t += s.ms / 1000;
  }
}

function showTier(tier: string): void {
  $("tier").textContent = tier;
  $("release-does").textContent = cardText(tier as Tier, WORDS);
}

function wire(): void {
  const b = $("hold-button");
  b.addEventListener("pointerdown", (e) => {
    b.setPointerCapture(e.pointerId);
    press();
  });
  b.addEventListener("pointerup", release);
  b.addEventListener("pointercancel", release);
  b.addEventListener("keydown", (e) => {
    if (e.key === " " || e.key === "Enter") {
      e.preventDefault();
      if (!e.repeat) press();
    }
  });
  b.addEventListener("keyup", (e) => {
    if (e.key === " " || e.key === "Enter") {
      e.preventDefault();
      release();
    }
  });
  // Losing focus mid-hold must not leave the virtual button down.
  b.addEventListener("blur", release);
  events((type, data) => {
    if (type === "led") drawLed(String(data.pattern));
    else if (type === "buzzer") playBuzzer(String(data.pattern));
    else if (type === "tier") showTier(String(data.tier));
    else if (type === "press") $("release-does").textContent = `released: ${String(data.action)}`;
    else if (type === "state") $("state").textContent = String(data.state);
  });
}

async function main(): Promise<void> {
  let state: { led?: string; pressed?: boolean } | null = null;
  try {
    const r = await fetch("/sim/state", { cache: "no-store" });
    if (r.ok) state = (await r.json()) as { led?: string };
  } catch {
    state = null;
  }
  if (!state) {
    $("board-status").textContent =
      "This recorder does not run the simulated board: there is nothing to press here.";
    return;
  }
  $("board-status").textContent = "Simulated board connected.";
  show($("board"), true);
  if (state.led) drawLed(state.led);
  wire();
}

void main();
