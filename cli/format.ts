// Human output: the status summary and one line per daemon event.
import { CONFIRM_END, briefText as releaseText } from "../daemon/press/tier-words.js";
import type { StreamEvent } from "./client.js";

/** What releasing now does, from the one table the field card uses too. */
export { releaseText };

interface StatusBody {
  state?: string;
  generation?: number;
  accounts?: number;
  setupWindow?: { open?: boolean; closesAt?: string | null };
  lockout?: {
    lockedCount?: number;
    lockedAccounts?: { username: string; lockedUntil: string; retryAfterSeconds: number }[];
    recoveryPaths?: string[];
    endsAt?: string | null;
    securityCode?: { locked?: boolean; endsAt?: string | null; retryAfterSeconds?: number } | null;
  };
  lastReset?: { at: string; reason: string; generation: number } | null;
  faults?: { code: string; message: string }[];
}

export function formatStatus(s: StatusBody, nowMs = Date.now()): string {
  const lines: string[] = [];
  const accounts = s.accounts === undefined ? "" : `, ${s.accounts} account${s.accounts === 1 ? "" : "s"}`;
  lines.push(`state:         ${s.state} (generation ${s.generation}${accounts})`);
  const w = s.setupWindow;
  if (w?.open && w.closesAt) {
    const mins = Math.max(0, Math.round((Date.parse(w.closesAt) - nowMs) / 60_000));
    lines.push(`setup window:  open until ${w.closesAt} (about ${mins} min left)`);
  } else if (s.state === "first-boot") {
    lines.push("setup window:  closed (press the reset button briefly, or set up with --security-code)");
  } else {
    lines.push("setup window:  closed");
  }
  const locked = s.lockout?.lockedAccounts ?? [];
  const count = s.lockout?.lockedCount ?? locked.length;
  if (count === 0) lines.push("lockout:       none");
  else if (locked.length === 0)
    lines.push(
      `lockout:       ${count} name${count === 1 ? "" : "s"} locked${s.lockout?.endsAt ? ` until ${s.lockout.endsAt}` : ""} (an admin session shows which)`,
    );
  for (const [i, a] of locked.entries()) {
    const label = i === 0 ? "lockout:       " : "               ";
    lines.push(`${label}${a.username} locked until ${a.lockedUntil} (retry in ${a.retryAfterSeconds} s)`);
  }
  const code = s.lockout?.securityCode;
  if (code?.locked)
    lines.push(`security code: locked until ${code.endsAt} (retry in ${code.retryAfterSeconds} s)`);
  if ((count > 0 || code?.locked) && s.lockout?.recoveryPaths?.length) {
    lines.push(`recovery:      ${s.lockout.recoveryPaths.join(", ")}`);
  }
  const r = s.lastReset;
  lines.push(
    r ? `last reset:    ${r.at} by ${r.reason} (generation ${r.generation})` : "last reset:    never",
  );
  for (const [i, f] of (s.faults ?? []).entries())
    lines.push(`${i === 0 ? "faults:        " : "               "}${f.code}: ${f.message}`);
  return lines.join("\n");
}

export function formatEvent(e: StreamEvent): string {
  const d = e.data;
  switch (e.type) {
    case "led":
      return `LED     ${d.pattern}`;
    case "buzzer":
      return `buzzer  ${d.pattern}`;
    case "tier": {
      const held = typeof d.heldMs === "number" ? `${(d.heldMs / 1000).toFixed(1)}s` : "?";
      return `tier    ${d.tier} at ${held} → release now: ${releaseText(String(d.tier))}`;
    }
    case "press": {
      const dur = typeof d.durationMs === "number" ? `${(d.durationMs / 1000).toFixed(2)}s` : "?";
      return `press   ${d.tier} ${dur}${d.boot ? " (boot hold)" : ""} → ${d.action}`;
    }
    case "state":
      return `state   ${d.state} (generation ${d.generation})`;
    case "confirm":
      if (d.deadline) return `confirm ${d.action}: give a short press before ${d.deadline}`;
      return `confirm ${d.action}: ${(CONFIRM_END[String(d.outcome)] ?? "window closed").replace("{action}", String(d.action).replace("-", " "))}`;
    case "fault":
      return d.fault ? `fault   ${d.fault}` : "fault   cleared";
    default:
      return `${e.type.padEnd(7)} ${JSON.stringify(d)}`;
  }
}

export function clockTime(date = new Date()): string {
  return date.toISOString().slice(11, 23);
}
