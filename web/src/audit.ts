// The audit view (admins): the newest entries of both logs, a verify button that has the daemon
// recompute the hash chains, and the live event stream as it arrives.
import { ApiError, call, events, token } from "./api.js";
import { $, say } from "./dom.js";

interface Entry {
  seq: number;
  at: string;
  event: string;
  log: string;
  fields: Record<string, unknown>;
}

interface Verify {
  ok: boolean;
  entries: number;
  problems: unknown[];
}

function details(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}

function row(cells: string[]): HTMLTableRowElement {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement("td");
    td.textContent = c;
    tr.append(td);
  }
  return tr;
}

function failure(err: unknown): string {
  if (err instanceof ApiError && err.status === 401)
    return "Sign in as an administrator first (Setup and sign-in).";
  return err instanceof ApiError ? err.message : "the recorder could not be reached";
}

async function load(): Promise<void> {
  try {
    const r = await call<{ entries: Entry[] }>("GET", "/v1/audit?limit=100");
    const entries = [...r.body.entries].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    $("entries")
      .querySelector("tbody")
      ?.replaceChildren(
        ...entries.map((e) => row([e.at.replace("T", " ").slice(0, 19), e.log, e.event, details(e.fields)])),
      );
    say($("audit-status"), `${entries.length} newest entries.`);
  } catch (err) {
    say($("audit-status"), failure(err), "error");
  }
}

function wire(): void {
  $("verify-button").addEventListener("click", () => {
    void call<Verify>("GET", "/v1/audit/verify")
      .then((r) =>
        r.body.ok
          ? say($("verify-msg"), `Intact: ${r.body.entries} entries verified, no problem found.`, "ok")
          : say(
              $("verify-msg"),
              `Damaged: ${r.body.problems.length} problem(s): ${JSON.stringify(r.body.problems)}`,
              "error",
            ),
      )
      .catch((err) => say($("verify-msg"), failure(err), "error"));
  });
  events((type, data) => {
    const li = document.createElement("li");
    li.textContent = `${new Date().toISOString().slice(11, 23)} ${type} ${details(data)}`;
    li.dataset.type = type;
    $("live").prepend(li);
    while (($("live").children.length ?? 0) > 50) $("live").lastElementChild?.remove();
    // A new audit entry follows most events (a press, a reset): show it.
    if (type === "press" || type === "state") void load();
  });
}

if (!token()) say($("audit-status"), "Sign in as an administrator first (Setup and sign-in).", "error");
wire();
void load();
