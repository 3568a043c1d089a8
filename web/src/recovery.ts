// The recovery page: a credential reset with the sticker's security code, or with support's
// unlock code for a challenge shown in groups of four for reading aloud. Either answers with a
// one-time setup token, which the setup page picks up from sessionStorage.
import { ApiError, call, SETUP_TOKEN_KEY } from "./api.js";
import { $, say, show, value } from "./dom.js";
import { qrSvg } from "./qr.js";

let challengeId: string | null = null;

/** "AED4 GTBB JKI5 …": base32 in groups of four, the way a person reads it on the phone. */
export function grouped(text: string): string {
  return (text.match(/.{1,4}/g) ?? []).join(" ");
}

function done(r: { setupToken: string; setupTokenExpiresAt?: string }): void {
  sessionStorage.setItem(SETUP_TOKEN_KEY, r.setupToken);
  say($("recovery-msg"), "Credentials erased. Set a new administrator password now.", "ok");
  show($("next"), true);
}

function failed(err: unknown): void {
  say(
    $("recovery-msg"),
    err instanceof ApiError ? err.message : "the recorder could not be reached",
    "error",
  );
}

function wire(): void {
  $("code-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void call<{ setupToken: string }>("POST", "/v1/recovery/security-code", {
      securityCode: value("code-input"),
    })
      .then((r) => done(r.body))
      .catch(failed);
  });
  $("challenge-button").addEventListener("click", () => {
    void call<{ id: string; challenge: string; expiresAt: string }>("POST", "/v1/recovery/challenge", {})
      .then((r) => {
        challengeId = r.body.id;
        $("challenge").textContent = grouped(r.body.challenge);
        $("challenge-qr").replaceChildren(qrSvg(r.body.challenge, "QR code of the challenge"));
        $("challenge-expires").textContent = new Date(r.body.expiresAt).toLocaleTimeString();
        show($("challenge-box"), true);
        say($("recovery-msg"), "");
      })
      .catch(failed);
  });
  $("unlock-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const body: Record<string, string> = { code: value("unlock-code") };
    if (challengeId) body.challengeId = challengeId;
    void call<{ setupToken: string }>("POST", "/v1/recovery/unlock", body)
      .then((r) => done(r.body))
      .catch(failed);
  });
}

wire();
