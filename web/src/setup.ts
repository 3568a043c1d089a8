// The setup / sign-in / account page. What it shows follows the daemon's state: first-boot ->
// setup (with the window's countdown, or the sticker-code field when it is closed); provisioned
// -> sign in, then password change and tokens. A "state" server-sent event (a reset at the
// button, say) re-reads the status, so the page flips by itself.
import { type Answer, ApiError, call, events, SETUP_TOKEN_KEY, type Status, setToken, token } from "./api.js";
import { $, mmss, say, show, value } from "./dom.js";
import { passwordProblem } from "./policy.js";

let countdown: ReturnType<typeof setInterval> | undefined;
let signedInAs: string | null = null;

function reasonOf(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 423 && err.retryAfterSeconds !== undefined)
      return `${err.message} (try again in ${mmss(err.retryAfterSeconds * 1000)})`;
    return err.message;
  }
  return "the recorder could not be reached";
}

function startCountdown(status: Answer<Status>): void {
  clearInterval(countdown);
  const closesAt = status.body.setupWindow.closesAt;
  if (!closesAt) return;
  // Remaining time by the recorder's own clock (its Date header), counted down by ours.
  const remaining = Date.parse(closesAt) - (status.serverNow ?? Date.now());
  const end = performance.now() + remaining;
  const tick = () => {
    const left = end - performance.now();
    $("countdown").textContent = mmss(left);
    if (left <= 0) {
      clearInterval(countdown);
      void refresh();
    }
  };
  tick();
  countdown = setInterval(tick, 1000);
}

async function refresh(): Promise<void> {
  let status: Answer<Status>;
  try {
    status = await call<Status>("GET", "/v1/status");
  } catch (err) {
    say($("state-line"), `Cannot read the recorder's status: ${reasonOf(err)}`, "error");
    return;
  }
  const s = status.body;
  const firstBoot = s.state === "first-boot";
  document.body.dataset.state = s.state;
  if (firstBoot) {
    setToken(null);
    signedInAs = null;
  }
  say(
    $("state-line"),
    s.state === "store-fault"
      ? "The recorder's credential store is damaged: see the recorder's fault LED and its manual."
      : firstBoot
        ? "This recorder has no administrator yet."
        : "This recorder is set up.",
  );
  show($("setup"), firstBoot);
  show($("window-open"), firstBoot && s.setupWindow.open);
  show($("window-closed"), firstBoot && !s.setupWindow.open);
  show($("closed-fields"), firstBoot && !s.setupWindow.open);
  const fromRecovery = sessionStorage.getItem(SETUP_TOKEN_KEY);
  if (firstBoot && fromRecovery && !value("setup-token"))
    $<HTMLInputElement>("setup-token").value = fromRecovery;
  if (firstBoot && s.setupWindow.open) startCountdown(status);
  else clearInterval(countdown);
  const provisioned = s.state === "provisioned";
  if (provisioned && token()) await showAccount();
  else {
    show($("account"), false);
    show($("login"), provisioned);
  }
}

async function showAccount(): Promise<void> {
  try {
    const who = await call<{ username: string }>("GET", "/v1/session");
    signedInAs = who.body.username;
  } catch {
    setToken(null);
    signedInAs = null;
    show($("account"), false);
    show($("login"), true);
    return;
  }
  $("who").textContent = signedInAs;
  show($("login"), false);
  show($("account"), true);
  await listTokens();
}

interface TokenRow {
  id: string;
  name: string;
  expiresAt: string;
  lastUsedAt: string | null;
}

async function listTokens(): Promise<void> {
  const body = $("tokens").querySelector("tbody");
  if (!body) return;
  let rows: TokenRow[];
  try {
    rows = (await call<{ tokens: TokenRow[] }>("GET", "/v1/tokens")).body.tokens;
  } catch (err) {
    say($("token-msg"), reasonOf(err), "error");
    return;
  }
  body.replaceChildren(
    ...rows.map((t) => {
      const tr = document.createElement("tr");
      tr.dataset.tokenId = t.id;
      for (const text of [t.name, t.id, t.expiresAt.slice(0, 10), t.lastUsedAt?.slice(0, 16) ?? "never"]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      const td = document.createElement("td");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "secondary";
      b.textContent = `Revoke ${t.name}`;
      b.addEventListener("click", () => void revoke(t));
      td.append(b);
      tr.append(td);
      return tr;
    }),
  );
}

async function revoke(t: TokenRow): Promise<void> {
  try {
    await call("DELETE", `/v1/tokens/${encodeURIComponent(t.id)}`);
    say($("token-msg"), `Token ${t.name} revoked.`, "ok");
  } catch (err) {
    say($("token-msg"), reasonOf(err), "error");
  }
  await listTokens();
}

/** Shows the policy's verdict while typing; returns whether the browser found a problem. */
function liveRule(input: string, user: () => string, out: string): () => boolean {
  const check = () => {
    const pw = value(input);
    const problem = pw ? passwordProblem(pw, user()) : null;
    if (problem) say($(out), problem, "error");
    else say($(out), pw ? "The recorder will check this password against its list of common passwords." : "");
    return problem !== null;
  };
  $(input).addEventListener("input", check);
  return check;
}

function wire(): void {
  const setupCheck = liveRule("setup-pass", () => value("setup-user"), "setup-rule");
  $("setup-user").addEventListener("input", () => value("setup-pass") && setupCheck());
  $("setup-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void (async () => {
      if (setupCheck()) {
        say($("setup-msg"), "Choose another password first (see the reason above).", "error");
        return;
      }
      const body: Record<string, string> = { username: value("setup-user"), password: value("setup-pass") };
      if (!$("closed-fields").hidden) {
        if (value("setup-code").trim()) body.securityCode = value("setup-code").trim();
        else if (value("setup-token").trim()) body.setupToken = value("setup-token").trim();
      }
      try {
        await call("POST", "/v1/setup", body);
        const login = await call<{ token: string }>("POST", "/v1/login", {
          username: body.username,
          password: body.password,
        });
        setToken(login.body.token);
        sessionStorage.removeItem(SETUP_TOKEN_KEY);
        $<HTMLFormElement>("setup-form").reset();
        say($("setup-msg"), "");
        say($("login-msg"), "");
        await refresh();
      } catch (err) {
        say($("setup-msg"), reasonOf(err), "error");
      }
    })();
  });
  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void (async () => {
      try {
        const r = await call<{ token: string }>("POST", "/v1/login", {
          username: value("login-user"),
          password: value("login-pass"),
        });
        setToken(r.body.token);
        $<HTMLFormElement>("login-form").reset();
        say($("login-msg"), "");
        await refresh();
      } catch (err) {
        say($("login-msg"), reasonOf(err), "error");
      }
    })();
  });
  $("logout").addEventListener("click", () => {
    void call("POST", "/v1/logout")
      .catch(() => {})
      .then(() => {
        setToken(null);
        return refresh();
      });
  });
  const passwdCheck = liveRule("passwd-new", () => signedInAs ?? "", "passwd-rule");
  $("passwd-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void (async () => {
      if (passwdCheck()) {
        say($("passwd-msg"), "Choose another password first (see the reason above).", "error");
        return;
      }
      try {
        await call("POST", "/v1/password", {
          currentPassword: value("passwd-current"),
          newPassword: value("passwd-new"),
        });
        $<HTMLFormElement>("passwd-form").reset();
        say($("passwd-rule"), "");
        say($("passwd-msg"), "Password changed. Other sessions and tokens of this account are ended.", "ok");
        await listTokens();
      } catch (err) {
        say($("passwd-msg"), reasonOf(err), "error");
      }
    })();
  });
  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void (async () => {
      try {
        const r = await call<{ token: string; name: string }>("POST", "/v1/tokens", {
          name: value("token-name"),
        });
        // Shown once: the daemon keeps only its hash.
        say(
          $("token-msg"),
          `Token ${r.body.name} created: ${r.body.token} (copy it now; it is not shown again)`,
          "ok",
        );
        $<HTMLFormElement>("token-form").reset();
        await listTokens();
      } catch (err) {
        say($("token-msg"), reasonOf(err), "error");
      }
    })();
  });
}

function main(): void {
  wire();
  events((type) => {
    if (type === "state") void refresh();
  });
  // The board page exists only on a simulated board: the link appears when it answers.
  void fetch("/sim/state", { cache: "no-store" })
    .then((r) => show($("board-link"), r.ok))
    .catch(() => {});
  void refresh();
}

main();
