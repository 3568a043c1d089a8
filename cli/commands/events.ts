// recoveryctl events [--count N]: the daemon's event stream, one line per event.
import { checkFlags, intFlag } from "../args.js";
import { openEventStream, type StreamEvent } from "../client.js";
import { type Ctx, println } from "../context.js";
import { UsageError } from "../exit.js";
import { clockTime, formatEvent } from "../format.js";

export async function eventsCommand(ctx: Ctx): Promise<number> {
  checkFlags(ctx.args, ["count"], "events");
  if (ctx.args.positionals.length > 1) throw new UsageError("events takes no arguments", "events");
  const count = intFlag(ctx.args, "count", 1, 1_000_000);
  return followEvents(ctx, count);
}

/**
 * Prints events until Ctrl-C (exit 0), `count` events (exit 0) or the daemon ends the stream
 * (exit 3: it went away). `--json` prints one JSON object per line.
 */
export async function followEvents(
  ctx: Ctx,
  count: number | undefined,
  extraLine?: (print: (text: string) => void) => Promise<() => void>,
): Promise<number> {
  let seen = 0;
  let stopped = false;
  // Created before the stream opens: the first event (the current state) may already be the last.
  let stop: () => void = () => {};
  const stopped$ = new Promise<void>((resolve) => {
    stop = () => {
      stopped = true;
      resolve();
    };
  });
  const print = (text: string) => println(ctx.out, ctx.json ? text : `${clockTime()}  ${text}`);
  const stream = await openEventStream(ctx.socket, (e: StreamEvent) => {
    if (stopped) return;
    print(ctx.json ? JSON.stringify(e.data) : formatEvent(e));
    if (count !== undefined && ++seen >= count) stop();
  });
  const closeExtra = extraLine ? await extraLine(print) : () => {};
  const release = ctx.onInterrupt(() => stop());
  try {
    const ended = await Promise.race([
      stream.done.then(() => "ended" as const),
      stopped$.then(() => "stopped" as const),
    ]);
    if (ended === "ended") {
      println(ctx.err, "recoveryctl: the daemon closed the event stream");
      return 3;
    }
    return 0;
  } finally {
    release();
    closeExtra();
    stream.close();
  }
}
