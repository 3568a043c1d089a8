// `npm run test:powercut -- --count N`: cuts the power of a qemu VM (SIGKILL of qemu: the guest's
// page cache and every write it did not flush are gone) at a random instant of an operation on
// the daemon's store, boots it again on the same ext4 disk and judges what survived. One boot
// checks the previous cut and starts the next operation, so N cuts take N + 1 boots.
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Plan } from "./driver.js";
import { apply, beforeOp, judge, type Model, type Observation, type Op, type Verdict } from "./verdict.js";

/** The bundled driver sits beside this file (scripts/ci/test-powercut.sh builds both). */
const here = path.dirname(fileURLToPath(import.meta.url));
const USER = "owner";
const SECURITY_CODE = "K7QW 3M2X RT5N P4ZA"; // test/fixtures/recovery/security-code-kat.json
const BOOT_TIMEOUT_MS = 300_000;
/** Each operation's length under TCG (ms, `--calibrate` on this machine); replaced by what the run measures. */
const ESTIMATE_MS: Record<Op, number> = {
  setup: 7000,
  passwd: 9000,
  "credential-reset": 2000,
  "factory-reset": 2500,
};

interface Args {
  count: number;
  /** Cut only after each operation finished: measures the operations' lengths. */
  calibrate: boolean;
  /** Node flags for the daemon in the VM (e.g. --jitless). */
  daemonNodeArgs: string[];
  /** Operations cut at a random instant; the others are cut 0.5 s after they finished. */
  cutOps: Op[];
  seed: number;
  cache: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    count: 10,
    calibrate: false,
    daemonNodeArgs: [],
    cutOps: ["setup", "passwd", "credential-reset", "factory-reset"],
    seed: Date.now() % 1_000_000,
    cache: process.env.POWERCUT_CACHE ?? "",
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === "--count" && v) a.count = Number.parseInt(v, 10);
    else if (argv[i] === "--seed" && v) a.seed = Number.parseInt(v, 10);
    else if (argv[i] === "--cache" && v) a.cache = v;
    else if (argv[i] === "--daemon-node-arg" && v) a.daemonNodeArgs.push(v);
    else if (argv[i] === "--cut-ops" && v) a.cutOps = v.split(",") as Op[];
    else if (argv[i] === "--calibrate") {
      a.calibrate = true;
      continue;
    } else continue;
    i++;
  }
  if (!(a.count >= 1) || !a.cache) throw new Error("usage: host --count N [--seed S] --cache DIR");
  return a;
}

/** mulberry32: a seeded generator, so a failing run can be replayed with --seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The VM running now, so an interrupted run does not leave it behind. */
let running: ChildProcess | null = null;

interface BootResult {
  check?: { obs: Observation; startMs?: number };
  op?: Op;
  cutAtMs?: number;
  windowMs?: number;
  endMs?: number;
  bootToCheckMs: number;
  problem?: string;
  console: string;
}

function boot(
  cache: string,
  disk: string,
  plan: Plan,
  pickDelay: (op: Op) => { delay: number; window: number; afterEnd: boolean },
): Promise<BootResult> {
  const planArg = Buffer.from(JSON.stringify(plan)).toString("base64url");
  const driver = path.join(here, "driver.mjs");
  const args = [
    ...["-accel", "tcg", "-m", "1024", "-smp", "1", "-nographic", "-no-reboot", "-net", "none"],
    ...["-kernel", path.join(cache, "vmlinuz"), "-initrd", path.join(cache, "initrd.gz")],
    // no_timer_check: on a loaded host the emulated timer can look dead to the kernel's
    // IO-APIC check, which then panics ("IO-APIC + timer doesn't work!"); seen here at load 20.
    "-append",
    `console=ttyS0 quiet loglevel=1 panic=-1 no_timer_check pc.driver=${driver} pc.plan=${planArg}`,
    "-virtfs",
    "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap",
    // cache=none: qemu writes with O_DIRECT and passes the guest's flushes down; what the guest
    // kept in its own page cache dies with the process, as in a power cut.
    "-drive",
    `file=${disk},if=virtio,format=raw,cache=none`,
  ];
  const t0 = performance.now();
  const q: ChildProcess = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
  running = q;
  const r: BootResult = { bootToCheckMs: 0, console: "" };
  return new Promise((resolve) => {
    let buf = "";
    let opStartAt = 0;
    let cutTimer: ReturnType<typeof setTimeout> | undefined;
    let afterEnd = false;
    const kill = () => q.kill("SIGKILL");
    const overall = setTimeout(() => {
      r.problem ??= `boot did not finish within ${BOOT_TIMEOUT_MS / 1000} s`;
      kill();
    }, BOOT_TIMEOUT_MS);
    const onLine = (line: string) => {
      const m = /PC (\{.*\})\s*$/.exec(line);
      if (!m?.[1]) return;
      const msg = JSON.parse(m[1]) as { t: string; op?: Op; ms?: number; error?: string } & Record<
        string,
        unknown
      >;
      if (msg.t === "check") {
        r.check = msg as unknown as BootResult["check"];
        r.bootToCheckMs = Math.round(performance.now() - t0);
      } else if (msg.t === "op-start" && msg.op) {
        opStartAt = performance.now();
        r.op = msg.op;
        const { delay, window, afterEnd: after } = pickDelay(msg.op);
        r.windowMs = window;
        afterEnd = after;
        cutTimer = setTimeout(() => {
          r.cutAtMs = Math.round(performance.now() - opStartAt);
          kill();
        }, delay);
      } else if (msg.t === "op-end") {
        r.endMs = msg.ms;
        if (afterEnd) setTimeout(kill, 500);
      } else if (msg.t === "op-error" || msg.t === "fatal") {
        r.problem = `${msg.t}: ${msg.error} ${String(msg.daemon ?? "").slice(-800)}`;
        kill();
      }
    };
    q.stdout?.on("data", (c: Buffer) => {
      const text = c.toString("utf8");
      r.console = (r.console + text).slice(-20_000);
      buf += text;
      let i = buf.indexOf("\n");
      while (i >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
        i = buf.indexOf("\n");
      }
    });
    q.stderr?.on("data", (c: Buffer) => {
      r.console = (r.console + c.toString("utf8")).slice(-20_000);
    });
    q.on("exit", () => {
      running = null;
      clearTimeout(overall);
      clearTimeout(cutTimer);
      resolve(r);
    });
  });
}

function password(seq: number, rand: () => number): string {
  const hex = Math.floor(rand() * 0xffffff)
    .toString(16)
    .padStart(6, "0");
  return `amber lantern ${seq} quietly ${hex} drifts`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rand = rng(args.seed);
  const work = mkdtempSync(path.join(os.tmpdir(), "recoveryd-powercut-"));
  const disk = path.join(work, "state.img");
  for (const sig of ["SIGINT", "SIGTERM"] as const)
    process.on(sig, () => {
      running?.kill("SIGKILL");
      rmSync(work, { recursive: true, force: true });
      process.exit(130);
    });
  const freshModel: Model = { state: "first-boot", generation: 1, password: null, config: "custom" };
  const observedMs: Record<Op, number[]> = {
    setup: [],
    passwd: [],
    "credential-reset": [],
    "factory-reset": [],
  };
  const perOp: Record<Op, Record<string, number>> = {
    setup: {},
    passwd: {},
    "credential-reset": {},
    "factory-reset": {},
  };
  const rotation: Exclude<Op, "setup">[] = ["passwd", "credential-reset", "factory-reset"];
  let rot = Math.floor(rand() * rotation.length);
  let failures = 0;
  let fresh = true;
  let model = freshModel;
  // What the last cut operation would have made (null: nothing was cut yet).
  let pending: { op: Op; old: Model; next: Model; delay: number; window: number; endMs?: number } | null =
    null;
  const t0 = performance.now();
  console.log(`powercut: ${args.count} cuts, seed ${args.seed}, disk ${disk}`);

  // The cut window of each operation: a little more than its measured length (which load
  // stretches), grown while cuts near the end of the window still find it unfinished.
  const windows: Record<Op, number> = { ...ESTIMATE_MS };
  const window = (op: Op) => windows[op];
  try {
    for (let boots = 0, cuts = 0; cuts <= args.count; boots++) {
      if (boots > 2 * args.count + 4) {
        failures++;
        console.log("powercut: too many failed boots, giving up");
        break;
      }
      if (fresh) copyFileSync(path.join(args.cache, "disk-template.img"), disk);
      const nextPassword = password(boots, rand);
      const provisionedOp = rotation[rot % rotation.length] as Exclude<Op, "setup">;
      const plan: Plan = {
        seq: boots,
        fresh,
        user: USER,
        candidates: [model.password, pending?.next.password ?? null].filter(
          (p, i, all): p is string => p !== null && all.indexOf(p) === i,
        ),
        securityCode: SECURITY_CODE,
        nextPassword,
        provisionedOp,
        checkOnly: cuts === args.count,
        daemonNodeArgs: args.daemonNodeArgs,
      };
      let chosen = 0;
      const res = await boot(args.cache, disk, plan, (op) => {
        const w = window(op);
        const afterEnd = args.calibrate || !args.cutOps.includes(op);
        chosen = afterEnd ? BOOT_TIMEOUT_MS : rand() * w;
        return { delay: chosen, window: w, afterEnd };
      });
      if (!res.check) {
        failures++;
        console.log(`boot ${boots}: no check reported: ${res.problem ?? "?"}\n${res.console.slice(-3000)}`);
        fresh = true;
        model = freshModel;
        pending = null;
        continue;
      }
      fresh = false;
      // Judge the previous cut.
      if (pending) {
        const v: Verdict = judge(res.check.obs, pending.old, pending.next, USER);
        const outcome =
          v.kind === "violation"
            ? `VIOLATION: ${v.reasons.join("; ")}`
            : v.kind === "store-fault"
              ? `store-fault ${v.detail}`
              : `${v.kind} state, complete`;
        const endInfo =
          pending.endMs !== undefined ? `, op finished at ${(pending.endMs / 1000).toFixed(2)} s` : "";
        console.log(
          `cut ${cuts}/${args.count}  ${pending.op.padEnd(16)} delay ${(pending.delay / 1000).toFixed(2)} s of ${(pending.window / 1000).toFixed(2)} s${endInfo}  -> ${outcome}  (boot to check ${(res.bootToCheckMs / 1000).toFixed(1)} s, daemon start ${((res.check.startMs ?? 0) / 1000).toFixed(1)} s)`,
        );
        const bucket = perOp[pending.op];
        bucket[v.kind] = (bucket[v.kind] ?? 0) + 1;
        if (v.kind === "old") model = pending.old;
        else if (v.kind === "new") model = pending.next;
        else {
          failures += v.kind === "violation" ? 1 : 0;
          console.log(`  observation: ${JSON.stringify(res.check.obs)}`);
          fresh = true;
          model = freshModel;
        }
        pending = null;
      }
      if (cuts === args.count) break;
      if (fresh) continue;
      if (res.problem || !res.op) {
        failures++;
        console.log(
          `boot ${boots}: operation did not run: ${res.problem ?? "no op-start"}\n${res.console.slice(-2000)}`,
        );
        fresh = true;
        model = freshModel;
        continue;
      }
      if (res.endMs !== undefined) {
        // 1.2 x the longest of the last five: about one cut in six lands just after the
        // operation was acknowledged, which checks that an acknowledged change is durable.
        observedMs[res.op].push(res.endMs);
        windows[res.op] = 1.2 * Math.max(...observedMs[res.op].slice(-5));
      } else if ((res.cutAtMs ?? 0) > 0.7 * windows[res.op]) windows[res.op] *= 1.3;
      if (res.op !== "setup") rot++;
      const old = beforeOp(model, res.op);
      pending = {
        op: res.op,
        old,
        next: apply(old, res.op, nextPassword),
        delay: res.cutAtMs ?? (res.endMs !== undefined ? res.endMs + 500 : chosen),
        window: res.windowMs ?? 0,
        ...(res.endMs !== undefined ? { endMs: res.endMs } : {}),
      };
      cuts++;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(0);
  console.log(`powercut summary (${secs} s, seed ${args.seed}):`);
  for (const [op, b] of Object.entries(perOp)) {
    const parts = Object.entries(b).map(([k, n]) => `${k} ${n}`);
    console.log(`  ${op.padEnd(16)} ${parts.length ? parts.join(", ") : "none"}`);
  }
  console.log(failures === 0 ? "powercut: OK" : `powercut: ${failures} FAILURE(S)`);
  process.exitCode = failures === 0 ? 0 : 1;
}

void main();
