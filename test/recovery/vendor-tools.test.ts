// Round trips between the real command-line tools (keygen, provision, unlock-code, sign-grant, run
// as processes the way a vendor runs them) and the daemon's recovery service.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../../daemon/clock.js";
import { loadFactoryData } from "../../daemon/recovery/factory-data.js";
import { config, REPO, tempDir } from "./helpers.js";
import { harness } from "./service-fixture.js";

const run = promisify(execFile);
const tool = (script: string, args: string[]) =>
  run(process.execPath, ["--import", "tsx", path.join(REPO, script), ...args], { cwd: REPO });

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe("vendor tools ↔ daemon", () => {
  const keys = path.join(tmp.dir, "keys");
  const factoryFile = path.join(tmp.dir, "factory.json");
  let sticker = "";

  beforeAll(async () => {
    mkdirSync(keys);
    await tool("vendor/keygen.ts", ["--id", "42", "--out-dir", keys]);
    const out = await tool("vendor/provision.ts", [
      "--model",
      "NVR-16",
      "--brand",
      "Acme",
      "--vendor-key",
      path.join(keys, "vendor-key-42.public.json"),
      "--out",
      factoryFile,
    ]);
    sticker = out.stdout;
  });

  it("keygen writes a private file only its owner can read, and a public factory-data entry", () => {
    expect(statSync(path.join(keys, "vendor-key-42.private.json")).mode & 0o777).toBe(0o600);
    const pub = JSON.parse(readFileSync(path.join(keys, "vendor-key-42.public.json"), "utf8"));
    expect(pub).toMatchObject({
      id: 42,
      unlock: { kty: "OKP", crv: "X25519" },
      grant: { kty: "OKP", crv: "Ed25519" },
    });
    expect(pub.unlock.d).toBeUndefined();
  });

  it("provision prints the sticker and stores only the argon2id hash of the code", async () => {
    const m =
      /^Device ID: +(REC-[A-Z2-7]{16})\nSecurity code: ([A-Z2-7]{4}) ([A-Z2-7]{4}) ([A-Z2-7]{4}) ([A-Z2-7]{4})\n$/.exec(
        sticker,
      );
    expect(m).not.toBeNull();
    const code = (m ?? []).slice(2, 6).join("");
    const text = readFileSync(factoryFile, "utf8");
    expect(text).not.toContain(code);
    const factory = loadFactoryData(factoryFile);
    expect(factory).toMatchObject({ deviceId: m?.[1], model: "NVR-16", brand: "Acme" });
    expect(factory?.securityCodeHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    // The real argon2 check, with the sticker as printed.
    const h = harness(path.join(tmp.dir, "sc"), { factory, seams: { verifyHash: undefined } });
    expect(await h.service.securityCode.verify(`${m?.[2]} ${m?.[3]} ${m?.[4]} ${m?.[5]}`)).toBe(true);
  });

  it("unlock: daemon challenge → unlock-code tool → daemon accepts", async () => {
    const factory = loadFactoryData(factoryFile);
    const h = harness(path.join(tmp.dir, "unlock"), { factory });
    const { challenge, keyId } = h.service.createChallenge();
    expect(keyId).toBe(42);
    const grouped = challenge.replace(/(.{8})/g, "$1 ").trim();
    const out = await tool("vendor/unlock-code.ts", [
      "--key",
      path.join(keys, "vendor-key-42.private.json"),
      "--json",
      ...grouped.split(" "),
    ]);
    const answer = JSON.parse(out.stdout);
    expect(answer).toMatchObject({ deviceId: factory?.deviceId, keyId: 42 });
    expect(answer.code).toMatch(/^[A-Z2-7]{8}$/);
    const reset = await h.service.unlock(answer.code);
    expect(reset.setupToken).toBeTruthy();
  });

  it("grant: request on the USB stick → sign-grant tool → grant applied by the USB watcher", async () => {
    const factory = loadFactoryData(factoryFile);
    const usb = path.join(tmp.dir, "media", "usb0");
    const h = harness(path.join(tmp.dir, "grant"), {
      factory,
      clock: new FakeClock(Date.now()),
      config: config({ recovery: { usbDir: usb } }),
      seams: { usbRescanMs: 200, usbSettleMs: 50 },
    });
    await expect(h.service.resetRequest({ usb: true })).rejects.toMatchObject({ code: "usb_unavailable" });
    mkdirSync(path.dirname(usb), { recursive: true });
    await h.service.resumeIfPending(); // starts the watcher; the stick is not there yet
    mkdirSync(usb); // the stick is mounted
    const { request, usbFile } = await h.service.resetRequest({ usb: true });
    expect(usbFile).toBe(path.join(usb, `recoveryd-${factory?.deviceId}.request.json`));
    expect(JSON.parse(readFileSync(usbFile ?? "", "utf8"))).toEqual(request);
    await tool("vendor/sign-grant.ts", [
      "--request",
      usbFile ?? "",
      "--key",
      path.join(keys, "vendor-key-42.private.json"),
      "--action",
      "credential-reset",
      "--hours",
      "12",
    ]);
    const deadline = Date.now() + 10_000;
    const applied = () => h.audit.of("recovery.grant").some((e) => e.fields.outcome === "ok");
    while (!applied() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(h.accounts.resets).toHaveLength(1);
    expect(h.accounts.resets[0]?.reason).toBe("grant");
    expect(h.audit.of("recovery.grant").at(-1)).toMatchObject({
      event: "recovery.grant",
      fields: { outcome: "ok", source: "usb" },
    });
    // The watcher's own record names the file and the verdict (issue 15).
    expect(h.audit.last()).toMatchObject({
      event: "usb-grant-file",
      fields: { outcome: "ok", reason: "accepted" },
    });
    const renamed = `${usbFile?.replace(".request.json", ".grant.json")}.applied`;
    while (!existsSync(renamed) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(statSync(renamed).isFile()).toBe(true);
    h.service.close();
  });

  it("sign-grant refuses to sign past 48 h after the request", async () => {
    const factory = loadFactoryData(factoryFile);
    const h = harness(path.join(tmp.dir, "late"), {
      factory,
      clock: new FakeClock(Date.now() - 40 * 3_600_000),
    });
    const { request } = await h.service.resetRequest();
    const reqFile = path.join(tmp.dir, "late.request.json");
    writeFileSync(reqFile, JSON.stringify(request));
    const err = await tool("vendor/sign-grant.ts", [
      "--request",
      reqFile,
      "--key",
      path.join(keys, "vendor-key-42.private.json"),
      "--action",
      "factory-reset",
      "--hours",
      "12",
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toContain("lower --hours");
  });
});
