// Press-timing error (issue 13, Must show 2), run by the driver with KBENCH=N after the cases.
import { spawn } from "node:child_process";
import { apiRequest } from "../../../dist/cli/client.js";
import { hold, resyncChip } from "./chip.mjs";
import { Daemon } from "./daemon-handle.mjs";
import { stats } from "./report.mjs";
import { sleep } from "./time.mjs";

/**
 * `count` short holds of known length (100-500 ms) per back end, idle and busy (a CPU hog beside
 * the daemon plus login attempts, which hash with argon2 until the daemon's own limiter stops
 * them), the daemon's classified duration against the hold.
 */
export async function bench(backend, count) {
  const out = {};
  // The bench runs after the board contract, which takes the chip away and back behind our back.
  resyncChip();
  const d = await Daemon.start(backend);
  try {
    for (const phase of ["idle", "busy"]) {
      const stop = phase === "busy" ? makeBusy(d) : () => {};
      const errs = [];
      try {
        for (let i = 0; i < count; i++) {
          const ms = 100 + ((i * 97) % 400);
          const m = d.mark();
          const { held } = await hold(ms);
          const press = await d.waitFor(m, "press", () => true, 5000);
          if (press) errs.push(press.durationMs - held);
          await sleep(200);
        }
      } finally {
        stop();
      }
      out[phase] = stats(errs);
      const st = out[phase];
      console.log(
        `KBENCH ${backend} ${phase} n=${st.n}/${count} p50=${st.p50.toFixed(1)} p99=${st.p99.toFixed(1)} max=${st.max.toFixed(1)} median(signed)=${st.median.toFixed(1)} ms`,
      );
    }
  } finally {
    await d.stop().catch(() => {});
  }
  return out;
}

function makeBusy(d) {
  const hog = spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" });
  let running = true;
  const login = async () => {
    while (running) {
      await apiRequest(d.proc.apiSocket, {
        method: "POST",
        path: "/v1/login",
        body: { username: `u${Math.floor(Math.random() * 1e9)}`, password: "wrong password 123" },
      }).catch(() => {});
    }
  };
  void login();
  void login();
  return () => {
    running = false;
    hog.kill("SIGKILL");
  };
}
