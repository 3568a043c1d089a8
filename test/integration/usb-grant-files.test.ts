// Issue 15, USB grants: the real daemon reads any `*.json` at the stick's root (a technician
// renames files), audits each file it considered with the reason it was refused or accepted, and
// the simulated board's LED/buzzer show refused ("refused" + error chirp) vs accepted ("done" + chirp).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimClient, type WatchEvent } from "../../hal/sim/control-client.js";
import { type DaemonProcess, makeBaseDir, repoRoot } from "../rigs/support/daemon-process.js";
import { type Api, apiOf, fixtures, provision, spawnWithFactory } from "./support/adversary.js";

let daemon: DaemonProcess;
let api: Api;
let sim: SimClient;
let usb: string;
let work: string;
const seen: WatchEvent[] = [];

/** Every audit record of one event, general and security log alike. */
function auditOf(event: string): Array<Record<string, unknown>> {
  const dir = path.join(daemon.stateDir, "audit");
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .flatMap((f) => readFileSync(f, "utf8").split("\n"))
    .filter((l) => l.includes(`"${event}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A grant for the daemon's live request, signed by the vendor tool with the test key. */
async function signedGrant(): Promise<Record<string, unknown>> {
  const r = await api("POST", "/v1/recovery/request");
  expect(r.status).toBe(201);
  const reqFile = path.join(work, "request.json");
  writeFileSync(reqFile, JSON.stringify((r.body as { request: unknown }).request));
  const out = path.join(work, "signed.json");
  execFileSync(
    process.execPath,
    [
      path.join(repoRoot, "dist/vendor/sign-grant.js"),
      "--request",
      reqFile,
      "--key",
      path.join(fixtures, "vendor-key-7.private.json"),
      "--action",
      "credential-reset",
      "--hours",
      "1",
      "--out",
      out,
    ],
    { stdio: "ignore" },
  );
  return JSON.parse(readFileSync(out, "utf8"));
}

const fileRecord = (file: string) =>
  auditOf("usb-grant-file").find((e) => JSON.stringify(e).includes(`"file":"${file}"`));
const patterns = (kind: "led" | "buzzer") =>
  seen.filter((e) => e.event === kind).map((e) => (e as { pattern: string }).pattern);

beforeAll(async () => {
  const base = makeBaseDir();
  usb = path.join(base, "usb");
  work = path.join(base, "work");
  mkdirSync(usb);
  mkdirSync(work);
  daemon = await spawnWithFactory({ baseDir: base, config: { recovery: { usbDir: usb } } });
  api = apiOf(daemon);
  await provision(api);
  sim = await SimClient.connect(daemon.simSocket);
  await sim.watch((e) => seen.push(e));
});
afterAll(async () => {
  await sim?.close().catch(() => {});
  await daemon?.stop();
});

describe("USB grant files on the real daemon", () => {
  it("a JSON file that is not a grant is refused with its reason, LED refused + error chirp", async () => {
    writeFileSync(path.join(usb, "camera-notes.json"), JSON.stringify({ hello: "technician" }));
    await until("camera-notes.json.refused", () => existsSync(path.join(usb, "camera-notes.json.refused")));
    await until("audit record", () => fileRecord("camera-notes.json") !== undefined);
    expect(JSON.stringify(fileRecord("camera-notes.json"))).toMatch(
      /"outcome":"refused".*"reason":"not_a_grant"/,
    );
    await until("refused LED", () => patterns("led").includes("refused"));
    expect(patterns("buzzer")).toContain("error");
    expect(patterns("led")).not.toContain("done");
  });

  it("a grant with a broken signature is audited as bad_signature; the misnamed valid one is accepted", async () => {
    const grant = await signedGrant();
    const sig = String(grant.signature);
    const flipped = `${sig.slice(0, 10)}${sig[10] === "A" ? "B" : "A"}${sig.slice(11)}`;
    writeFileSync(path.join(usb, "tampered.json"), JSON.stringify({ ...grant, signature: flipped }));
    await until("tampered.json.refused", () => existsSync(path.join(usb, "tampered.json.refused")));
    await until("audit record", () => fileRecord("tampered.json") !== undefined);
    expect(JSON.stringify(fileRecord("tampered.json"))).toMatch(/"reason":"bad_signature"/);

    // Not named *.grant.json: accepted all the same, and the LED says done, not refused.
    writeFileSync(path.join(usb, "from-support.json"), JSON.stringify(grant));
    await until("from-support.json.applied", () => existsSync(path.join(usb, "from-support.json.applied")));
    await until("audit record", () => fileRecord("from-support.json") !== undefined);
    expect(JSON.stringify(fileRecord("from-support.json"))).toMatch(/"outcome":"ok".*"reason":"accepted"/);
    await until("done LED", () => patterns("led").includes("done"));
    await until("accepted chirp", () => patterns("buzzer").at(-1) === "confirm");
    expect(patterns("buzzer").slice(-2)).toEqual(["error", "confirm"]);
    expect(patterns("led").at(-1)).toBe("done");
    const st = await api("GET", "/v1/status");
    expect((st.body as { state: string }).state).toBe("first-boot");
  });

  it("the daemon's own request file on the stick is left alone", async () => {
    const r = await api("POST", "/v1/recovery/request?usb=1");
    expect(r.status).toBe(201);
    const file = (r.body as { usbFile: string }).usbFile;
    await new Promise((res) => setTimeout(res, 1500));
    expect(existsSync(file)).toBe(true);
    expect(fileRecord(path.basename(file))).toBeUndefined();
  });
});
