// recoveryctl sim press <duration> | down | up | bounce | state | watch | run <scenario-file>:
// drives the simulated board's button over sim.sock and shows what the daemon makes of it.
import { connectSim } from "../../hal/sim/control-client.js";
import { checkFlags, intFlag, stringFlag } from "../args.js";
import { api, type Ctx, emit } from "../context.js";
import { parseDuration } from "../duration.js";
import { UsageError } from "../exit.js";
import { formatStatus } from "../format.js";
import { runScenario } from "../scenario.js";
import { simSocketFor } from "../socket-path.js";
import { followEvents } from "./events.js";
import { withSim } from "./sim-connect.js";
import { pressCommand } from "./sim-press.js";

export async function simCommand(ctx: Ctx): Promise<number> {
  const [, sub, arg, extra] = ctx.args.positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, "sim");
  switch (sub) {
    case "press": {
      checkFlags(ctx.args, [], "sim");
      if (!arg) throw new UsageError("sim press needs a duration (e.g. 7s, 1.5s, 7000ms)", "sim");
      return pressCommand(ctx, parseDuration(arg));
    }
    case "down":
    case "up": {
      checkFlags(ctx.args, [], "sim");
      noArg(arg);
      return withSim(ctx, async (sim) => {
        const { reply } = sub === "down" ? await sim.down() : await sim.up();
        emit(ctx, reply, () =>
          reply.changed ? `Button ${sub === "down" ? "pressed" : "released"}.` : `Button was already ${sub}.`,
        );
        return 0;
      });
    }
    case "bounce": {
      checkFlags(ctx.args, ["count", "interval", "settle"], "sim");
      noArg(arg);
      const count = intFlag(ctx.args, "count", 1, 1000) ?? 5;
      const intervalMs = parseDuration(stringFlag(ctx.args, "interval") ?? "5ms");
      const settle = stringFlag(ctx.args, "settle");
      if (settle !== undefined && settle !== "down" && settle !== "up") {
        throw new UsageError("--settle is down or up", "sim");
      }
      return withSim(ctx, async (sim) => {
        const { reply } = await sim.bounce(count, intervalMs, settle);
        emit(
          ctx,
          reply,
          () => `Bounced: ${reply.edges} edges in ${(reply.atMs - reply.startedAtMs).toFixed(1)} ms.`,
        );
        return 0;
      });
    }
    case "state": {
      checkFlags(ctx.args, [], "sim");
      noArg(arg);
      return withSim(ctx, async (sim) => {
        const { reply } = await sim.state();
        emit(ctx, reply, () =>
          [
            `button:  ${reply.pressed ? "down" : "up"}${reply.lineFailed ? " (line failed)" : ""}`,
            `LED:     ${reply.led}`,
            `buzzer:  ${reply.buzzer ?? "-"}`,
            `edges:   ${reply.edges}`,
          ].join("\n"),
        );
        return 0;
      });
    }
    case "watch": {
      checkFlags(ctx.args, ["count"], "sim");
      noArg(arg);
      const status = await api(ctx, { path: "/v1/status" });
      if (!ctx.json) ctx.out.write(`${formatStatus(status)}\nWatching (Ctrl-C to stop)...\n`);
      // Button edges come from the board itself (the daemon does not publish them); optional.
      return followEvents(ctx, intFlag(ctx.args, "count", 1, 1_000_000), async (print) => {
        const sim = await connectSim(simSocketFor(ctx.socket)).catch(() => undefined);
        if (!sim) return () => {};
        await sim
          .watch((e) => {
            if (e.event === "edge") {
              print(
                ctx.json
                  ? JSON.stringify({ type: "button", pressed: e.pressed })
                  : `button  ${e.pressed ? "down" : "up"}`,
              );
            }
          })
          .catch(() => undefined);
        return () => void sim.close();
      });
    }
    case "run": {
      checkFlags(ctx.args, [], "sim");
      if (!arg) throw new UsageError("sim run needs a scenario FILE", "sim");
      return runScenario({
        file: arg,
        apiSocket: ctx.socket,
        simSocket: simSocketFor(ctx.socket),
        json: ctx.json,
        out: ctx.out,
        err: ctx.err,
      });
    }
    default:
      throw new UsageError(sub ? `unknown sim command "${sub}"` : "sim needs a command", "sim");
  }
}

function noArg(arg: string | undefined): void {
  if (arg !== undefined) throw new UsageError(`unexpected argument "${arg}"`, "sim");
}
