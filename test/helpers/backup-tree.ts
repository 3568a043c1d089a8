// A recorder's configuration on disk for the backup tests: a schedule directory and a network
// file (the factory reset's restore paths), their factory defaults, and a recordings folder.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface ConfigTree {
  root: string;
  schedule: string;
  network: string;
  recordings: string;
  usb: string;
  config: Record<string, unknown>;
}

export function makeConfigTree(root: string, extra: Record<string, unknown> = {}): ConfigTree {
  const schedule = path.join(root, "etc/recorder/schedule");
  const network = path.join(root, "etc/recorder/network.json");
  const defaults = path.join(root, "factory-defaults");
  const recordings = path.join(root, "recordings");
  const usb = path.join(root, "usb");
  for (const d of [path.join(schedule, "cameras"), path.join(defaults, "schedule"), recordings, usb])
    mkdirSync(d, { recursive: true });
  writeFileSync(path.join(defaults, "schedule/schedule.json"), '{"mode":"off"}\n');
  writeFileSync(path.join(defaults, "network.json"), '{"dhcp":true}\n');
  writeFileSync(path.join(recordings, "cam1-0001.mp4"), Buffer.alloc(4096, 7));
  writeOwnerConfig({ schedule, network });
  return {
    root,
    schedule,
    network,
    recordings,
    usb,
    config: {
      factoryReset: {
        restore: [
          { path: schedule, from: path.join(defaults, "schedule") },
          { path: network, from: path.join(defaults, "network.json") },
        ],
        preserve: [recordings],
      },
      recovery: { usbDir: usb },
      ...extra,
    },
  };
}

/** The owner's own settings, different from the defaults. */
export function writeOwnerConfig(t: { schedule: string; network: string }, tag = "owner"): void {
  writeFileSync(
    path.join(t.schedule, "schedule.json"),
    JSON.stringify({ mode: "continuous", tag, weekdays: [1, 2, 3, 4, 5] }),
  );
  for (let i = 1; i <= 4; i++)
    writeFileSync(
      path.join(t.schedule, "cameras", `cam${i}.json`),
      JSON.stringify({ cam: i, tag, motion: true, bytes: "x".repeat(300 * i) }),
    );
  writeFileSync(t.network, JSON.stringify({ dhcp: false, address: "192.168.1.20/24", tag }));
}

/** Every file under the given paths, path → bytes (hex), for byte-identical comparisons. */
export function snapshot(paths: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      out[`${p}/`] = "dir";
      for (const n of readdirSync(p).sort()) walk(path.join(p, n));
    } else out[p] = readFileSync(p).toString("hex");
  };
  for (const p of paths) walk(p);
  return out;
}
