// The simulated board's control socket (sim.sock beside api.sock), with recoveryctl's error mapping.
import { connectSim, type SimClient, SimCommandError } from "../../hal/sim/control-client.js";
import { DaemonUnreachableError } from "../client.js";
import type { Ctx } from "../context.js";
import { RefusedError } from "../exit.js";
import { simSocketFor } from "../socket-path.js";

/** Connects to sim.sock beside api.sock; an absent board is "unreachable" (exit 3). */
export async function withSim<T>(ctx: Ctx, fn: (sim: SimClient) => Promise<T>): Promise<T> {
  const path = simSocketFor(ctx.socket);
  let sim: SimClient;
  try {
    sim = await connectSim(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DaemonUnreachableError(
      path,
      code === "ENOENT" || code === "ECONNREFUSED"
        ? 'no simulated board there (is the daemon running with board "sim"?)'
        : (code ?? (err as Error).message),
    );
  }
  try {
    return await fn(sim);
  } catch (err) {
    if (err instanceof SimCommandError) {
      // The board refused (ok: false) or the socket went away mid-command.
      if (err.reply) throw new RefusedError(`the simulated board refused: ${err.message}`);
      throw new DaemonUnreachableError(path, err.message);
    }
    throw err;
  } finally {
    await sim.close();
  }
}
