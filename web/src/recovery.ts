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
  $("request-button").addEventListener("click", () => {
    void call<{ request: unknown }>("POST", "/v1/recovery/request", {})
      .then((r) => {
        const text = `${JSON.stringify(r.body.request, null, 2)}\n`;
        $<HTMLTextAreaElement>("request-json").value = text;
        show($("request-box"), true);
        say($("recovery-msg"), "");
      })
      .catch(failed);
  });
  $("request-download").addEventListener("click", () => {
    // A file for the USB stick or the mail to the vendor, made in the page: nothing is fetched.
    const url = URL.createObjectURL(new Blob([value("request-json")], { type: "application/json" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "recoveryd.request.json";
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  $("grant-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const file = $<HTMLInputElement>("grant-file").files?.[0];
    if (!file) {
      say($("recovery-msg"), "Choose the grant file first.", "error");
      return;
    }
    void file
      .text()
      .then((text) => {
        let grant: unknown;
        try {
          grant = JSON.parse(text);
        } catch {
          throw new ApiError(400, "not_json", "this file is not a grant (not JSON)", undefined, undefined);
        }
        return call<{ setupToken: string }>("POST", "/v1/recovery/grant", grant);
      })
      .then((r) => done(r.body))
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
