// Issue 6, must show 3: a bad configuration stops the daemon (exit 78) with a message naming the
// key, the value and the rule.
import { describe, expect, it } from "vitest";
import { spawnDaemon } from "../rigs/support/daemon-process.js";

const cases: [string, Record<string, unknown>, RegExp][] = [
  ["an unknown key", { colour: "blue" }, /configuration key "colour" = "blue": is not a known key/],
  [
    "a wrong type",
    { button: { debounceMs: "30" } },
    /configuration key "button.debounceMs" = "30": .*number/,
  ],
  [
    "unsafe thresholds",
    { button: { factoryMs: 15000, stuckMs: 17000 } },
    /configuration key "button.stuckMs" = 17000: must be at least button.factoryMs \+ 5000 ms/,
  ],
  // Node refuses such a server, so the daemon used to log "ready" with no API socket at all.
  [
    "a request timeout shorter than the headers timeout",
    { api: { requestTimeoutMs: 1000 } },
    /configuration key "api.requestTimeoutMs" = 1000: must be at least api.headersTimeoutMs \(5000\)/,
  ],
];

describe.concurrent("the daemon refuses a bad configuration", () => {
  for (const [what, config, message] of cases) {
    it(`names key, value and rule for ${what}`, async () => {
      const err = await spawnDaemon({ config }).then(
        () => new Error("the daemon started"),
        (e: Error) => e,
      );
      expect(err.message).toContain("daemon exited (78)");
      expect(err.message).toMatch(message);
    });
  }
});
