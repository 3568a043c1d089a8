// The API under a login flood: status latency while 100 wrong logins arrive at once, and the peak
// memory and throughput of 100 concurrent logins under the hashing limit.
import { apiRequest, call } from "../cli/client.js";
import { spawnDaemon } from "../test/rigs/support/daemon-process.js";
import type { BenchFigure } from "./figure.js";
import { percentile, sampleProc } from "./proc-stats.js";

const ADMIN = { username: "bench-admin", password: "correct horse battery staple 42" };

/** Samples the daemon's RSS every 10 ms until stopped; returns the peak in MiB. */
function rssPeak(pid: number): { stop(): number } {
  let peak = sampleProc(pid).rssKiB;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, sampleProc(pid).rssKiB);
    } catch {
      // process gone
    }
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return peak / 1024;
    },
  };
}

/** Answer status codes counted; 0 = connection closed (over api.maxConnections). */
function countBy(xs: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

export async function benchApiLoad(): Promise<BenchFigure[]> {
  const daemon = await spawnDaemon({ config: { log: { level: "warn" }, setupWindow: { openAtBoot: true } } });
  const pid = daemon.proc.pid ?? -1;
  try {
    await call(daemon.apiSocket, { method: "POST", path: "/v1/setup", body: ADMIN });
    const idleRss = sampleProc(pid).rssKiB / 1024;

    // 1,000 status calls (10 at a time) while 100 wrong logins for 100 names arrive at once.
    const peak1 = rssPeak(pid);
    const wrong = Array.from({ length: 100 }, (_, i) =>
      apiRequest(daemon.apiSocket, {
        method: "POST",
        path: "/v1/login",
        body: { username: `intruder${i}`, password: "not the password at all" },
      }).then(
        (r) => r.status,
        () => 0, // connection refused past api.maxConnections: counted as 0
      ),
    );
    const latencies: number[] = [];
    let statusFailures = 0;
    let next = 0;
    const worker = async () => {
      while (next < 1000) {
        next++;
        const t0 = performance.now();
        const r = await apiRequest(daemon.apiSocket, { path: "/v1/status" }).catch(() => null);
        if (r?.status === 200) latencies.push(performance.now() - t0);
        else statusFailures++;
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    const wrongStatuses = await Promise.all(wrong);
    const peakWrong = peak1.stop();

    // 100 concurrent correct logins under the hashing limit.
    const peak2 = rssPeak(pid);
    const t0 = performance.now();
    const flood = await Promise.all(
      Array.from({ length: 100 }, () =>
        apiRequest(daemon.apiSocket, { method: "POST", path: "/v1/login", body: ADMIN }).then(
          (r) => r.status,
          () => 0, // connection refused past api.maxConnections: counted as 0
        ),
      ),
    );
    const floodMs = performance.now() - t0;
    const peakFlood = peak2.stop();
    const ok = flood.filter((s) => s === 200).length;

    return [
      {
        figure: "status p99 during 100 wrong logins",
        value: percentile(latencies, 99),
        unit: "ms",
        target: "responsive",
        verdict: "info",
        extra: {
          statusCalls: latencies.length,
          statusFailures,
          p50: percentile(latencies, 50),
          max: Math.max(...latencies),
          wrongLoginAnswers: countBy(wrongStatuses),
          peakRssMiB: peakWrong,
          idleRssMiB: idleRss,
        },
      },
      {
        figure: "login flood x100: peak RSS",
        value: peakFlood,
        unit: "MiB",
        floor: idleRss,
        ratio: peakFlood / idleRss,
        target: "bounded by the hashing limit",
        verdict: "info",
        extra: { answers: countBy(flood) },
      },
      {
        figure: "login flood x100: throughput",
        value: (ok / floodMs) * 1000,
        unit: "logins/s",
        target: "-",
        verdict: "info",
        extra: { ok, totalMs: floodMs, answers: countBy(flood) },
      },
    ];
  } finally {
    await daemon.stop();
  }
}
