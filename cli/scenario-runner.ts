// Plays a press scenario against a running daemon on the simulated board and checks the outcome.
import { setTimeout as sleep } from "node:timers/promises";
import { SimClient } from "../hal/sim/control-client.js";
import { call, openEventStream, type StreamEvent } from "./client.js";
import { type Scenario, type Step, splitTimeline } from "./scenario-file.js";

/** One line of progress (sim run prints them as they happen). */
export type Progress = (line: string) => void;

interface StatusBody {
  state: string;
  generation: number;
  setupWindow?: { open?: boolean };
}

export interface ScenarioResult {
  name: string;
  passed: boolean;
  failures: string[];
  observed: {
    presses: { tier: string; action: string; boot: boolean; durationMs: number }[];
    led: string[];
    buzzer: string[];
    fault: string | null;
    state: string;
    generationDelta: number;
    setupWindowOpen: boolean | undefined;
  };
}

/** What a step does, in words (the plan and the progress lines). */
export function describeStep(step: Step): string {
  if ("setup" in step) return `create admin account "${step.setup.username}" (POST /v1/setup)`;
  if ("button" in step) return `button ${step.button}`;
  if ("press" in step) return `press for ${step.press} ms`;
  const settle = step.bounce.settle ? `, settling ${step.bounce.settle}` : "";
  return `bounce ${step.bounce.count} times every ${step.bounce.intervalMs} ms${settle}`;
}

/** What sim run will do, before it does anything. */
export function describePlan(s: Scenario): string[] {
  const { setup, timed } = splitTimeline(s);
  const lines = [`scenario "${s.name}"${s.description ? `: ${s.description}` : ""}`];
  for (const st of setup) lines.push(`  first: ${describeStep(st)}, if the recorder is at first boot`);
  for (const [i, st] of timed.entries())
    lines.push(`  step ${i + 1}/${timed.length} at ${st.at} ms: ${describeStep(st)}`);
  lines.push(`  then wait ${s.settleMs} ms and check ${Object.keys(s.expect).join(", ")}`);
  return lines;
}

export async function playScenario(
  s: Scenario,
  apiSocket: string,
  simSocket: string,
  progress: Progress = () => undefined,
): Promise<ScenarioResult> {
  const events: StreamEvent[] = [];
  const stream = await openEventStream(apiSocket, (e) => events.push(e));
  const sim = await SimClient.connect(simSocket);
  const { setup, timed } = splitTimeline(s);
  try {
    let before = await call<StatusBody>(apiSocket, { path: "/v1/status" });
    for (const st of setup) {
      if (before.state !== "first-boot") {
        progress(`setup: skipped, the recorder is already ${before.state}`);
        continue;
      }
      await call(apiSocket, { method: "POST", path: "/v1/setup", body: st.setup });
      progress(`setup: created admin account "${st.setup.username}"`);
      before = await call<StatusBody>(apiSocket, { path: "/v1/status" });
    }
    events.length = 0;
    const t0 = performance.now();
    for (const [i, step] of timed.entries()) {
      const wait = t0 + step.at - performance.now();
      if (wait > 0) await sleep(wait);
      progress(
        `step ${i + 1}/${timed.length} at ${Math.round(performance.now() - t0)} ms: ${describeStep(step)}`,
      );
      await playStep(sim, step);
    }
    progress(`waiting ${s.settleMs} ms, then checking`);
    await sleep(s.settleMs);
    const after = await call<StatusBody>(apiSocket, { path: "/v1/status" });
    return check(s, events, before, after);
  } finally {
    stream.close();
    await sim.close();
  }
}

async function playStep(sim: SimClient, step: Exclude<Step, { setup: unknown }>): Promise<void> {
  if ("button" in step) {
    await (step.button === "down" ? sim.down() : sim.up());
  } else if ("press" in step) {
    await sim.press(step.press);
  } else {
    await sim.bounce(step.bounce.count, step.bounce.intervalMs, step.bounce.settle);
  }
}

function check(s: Scenario, events: StreamEvent[], before: StatusBody, after: StatusBody): ScenarioResult {
  const of = (type: string) => events.filter((e) => e.type === type).map((e) => e.data);
  const presses = of("press").map((d) => ({
    tier: String(d.tier),
    action: String(d.action),
    boot: Boolean(d.boot),
    durationMs: Number(d.durationMs),
  }));
  const led = of("led").map((d) => String(d.pattern));
  const buzzer = of("buzzer").map((d) => String(d.pattern));
  const faults = of("fault").map((d) => (d.fault === null ? null : String(d.fault)));
  const observed = {
    presses,
    led,
    buzzer,
    fault: faults.length ? (faults[faults.length - 1] ?? null) : null,
    state: after.state,
    generationDelta: after.generation - before.generation,
    setupWindowOpen: after.setupWindow?.open,
  };
  const failures: string[] = [];
  const x = s.expect;
  if (presses.length !== x.presses.length) {
    failures.push(
      `expected ${x.presses.length} classified press(es), saw ${presses.length}: ${summary(presses)}`,
    );
  } else {
    x.presses.forEach((want, i) => {
      const got = presses[i];
      if (!got) return;
      if (got.tier !== want.tier) failures.push(`press ${i + 1}: tier ${got.tier}, expected ${want.tier}`);
      if (want.action !== undefined && got.action !== want.action)
        failures.push(`press ${i + 1}: action ${got.action}, expected ${want.action}`);
      if (want.boot !== undefined && got.boot !== want.boot)
        failures.push(`press ${i + 1}: boot ${got.boot}, expected ${want.boot}`);
    });
  }
  if (x.state !== undefined && after.state !== x.state)
    failures.push(`state ${after.state}, expected ${x.state}`);
  if (x.generationDelta !== undefined && observed.generationDelta !== x.generationDelta)
    failures.push(`generation changed by ${observed.generationDelta}, expected ${x.generationDelta}`);
  if (x.setupWindowOpen !== undefined && observed.setupWindowOpen !== x.setupWindowOpen)
    failures.push(`setup window open=${observed.setupWindowOpen}, expected ${x.setupWindowOpen}`);
  if (x.led?.includes && !isSubsequence(x.led.includes, led))
    failures.push(`LED patterns [${led.join(", ")}] do not include [${x.led.includes.join(", ")}] in order`);
  for (const bad of x.led?.excludes ?? [])
    if (led.includes(bad)) failures.push(`LED showed ${bad}, which it never should here`);
  if (x.led?.final !== undefined && led[led.length - 1] !== x.led.final)
    failures.push(`final LED ${led[led.length - 1] ?? "(unchanged)"}, expected ${x.led.final}`);
  if (x.buzzer && buzzer.join(",") !== x.buzzer.join(","))
    failures.push(`buzzer [${buzzer.join(", ")}], expected [${x.buzzer.join(", ")}]`);
  if (x.fault !== undefined && observed.fault !== x.fault)
    failures.push(`fault ${observed.fault}, expected ${x.fault}`);
  return { name: s.name, passed: failures.length === 0, failures, observed };
}

function isSubsequence(want: string[], seen: string[]): boolean {
  let i = 0;
  for (const p of seen) if (p === want[i]) i++;
  return i === want.length;
}

function summary(presses: { tier: string; action: string; durationMs: number }[]): string {
  return presses.map((p) => `${p.tier}/${p.action} ${Math.round(p.durationMs)} ms`).join("; ") || "none";
}
