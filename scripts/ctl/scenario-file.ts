// The press-scenario file format (data, not code): a timeline of button levels played against the
// real daemon on the simulated board, and the outcome expected. See test/scenarios/README.md.
import { readFileSync } from "node:fs";
import * as z from "zod";

const at = z.number().min(0).max(600_000);

export const stepSchema = z.union([
  z.object({ at, button: z.enum(["down", "up"]) }).strict(),
  z.object({ at, press: z.number().min(1).max(600_000) }).strict(),
  z
    .object({
      at,
      bounce: z
        .object({
          count: z.number().int().min(1).max(1000),
          intervalMs: z.number().min(0).max(1000),
          settle: z.enum(["down", "up"]).optional(),
        })
        .strict(),
    })
    .strict(),
]);

const pressSchema = z
  .object({
    tier: z.enum(["short", "dead", "credential", "factory", "stuck"]),
    action: z.string().optional(),
    boot: z.boolean().optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Which row of the SPEC 3 gesture table (or which edge case) this covers. */
    covers: z.string().optional(),
    /** Daemon configuration the scenario needs (the test runner starts a daemon with it). */
    config: z.record(z.string(), z.unknown()).default({}),
    /** Create an admin first, so that a reset is visible as a state change. */
    provisioned: z.boolean().default(false),
    timeline: z.array(stepSchema).min(1),
    /** Wait after the last step before checking, ms. */
    settleMs: z.number().min(0).max(120_000).default(1000),
    expect: z
      .object({
        /** Exactly these classified presses, in order. */
        presses: z.array(pressSchema),
        state: z.enum(["first-boot", "provisioned"]).optional(),
        /** Credential generation after minus before. */
        generationDelta: z.number().int().min(0).optional(),
        setupWindowOpen: z.boolean().optional(),
        led: z
          .object({
            /** Seen in this order (other patterns may come between). */
            includes: z.array(z.string()).optional(),
            /** Never seen. */
            excludes: z.array(z.string()).optional(),
            /** The pattern at the end. */
            final: z.string().optional(),
          })
          .strict()
          .optional(),
        /** Exactly these buzzer patterns, in order. */
        buzzer: z.array(z.string()).optional(),
        /** The fault shown at the end (null: none). */
        fault: z.string().nullable().optional(),
      })
      .strict(),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type Step = z.infer<typeof stepSchema>;

export class ScenarioFileError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = "ScenarioFileError";
  }
}

export function loadScenario(file: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ScenarioFileError(file, (err as Error).message);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ScenarioFileError(file, `${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** When the scenario's last step ends, ms after the start. */
export function timelineEndMs(s: Scenario): number {
  return Math.max(
    ...s.timeline.map((st) => {
      if ("press" in st) return st.at + st.press;
      if ("bounce" in st) return st.at + st.bounce.count * 2 * st.bounce.intervalMs;
      return st.at;
    }),
  );
}
