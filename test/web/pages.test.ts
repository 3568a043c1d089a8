// Issue 17: the web pages in Debian's real Chromium, through Debian's real nginx, against the
// real daemon process on the simulated board. The virtual board presses the button through the
// dev server's /sim/ bridge (web/dev/sim-bridge.ts), proxied by the same nginx.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRequest, openEventStream } from "../../cli/client.js";
import { SimClient } from "../../hal/sim/control-client.js";
import { createWebServer, type WebServer } from "../../web/dev/dev-server.js";
import { ADMIN, fixtures, spawnWithFactory, vendorCode } from "../integration/support/adversary.js";
import { type DaemonProcess, repoRoot } from "../rigs/support/daemon-process.js";
import { launch, seriousViolations } from "./support/browser.js";
import { type Nginx, startNginx } from "./support/nginx.js";

const webRoot = path.join(repoRoot, "dist/web");
const jsqrSource = readFileSync(createRequire(import.meta.url).resolve("jsqr/dist/jsQR.js"), "utf8");
const sticker = (
  JSON.parse(readFileSync(path.join(fixtures, "security-code-kat.json"), "utf8")) as { stickerText: string }
).stickerText;

interface Stack {
  daemon: DaemonProcess;
  bridge: WebServer;
  nginx: Nginx;
}

async function startStack(config: Record<string, unknown>): Promise<Stack> {
  const daemon = await spawnWithFactory({ config });
  const bridge = createWebServer({ apiSocket: daemon.apiSocket, simSocket: daemon.simSocket, webRoot });
  const bridgeSocket = path.join(daemon.baseDir, "web.sock");
  await new Promise<void>((r) => bridge.server.listen(bridgeSocket, r));
  const nginx = await startNginx({
    apiSocket: daemon.apiSocket,
    webRoot,
    // Only where the board is simulated: the QA bridge to its control socket.
    extra: `    location /sim/ {
        proxy_pass http://unix:${bridgeSocket}:;
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_buffering off;
    }`,
  });
  return { daemon, bridge, nginx };
}

async function stopStack(s: Stack | undefined): Promise<void> {
  if (!s) return;
  await s.nginx.stop().catch(() => {});
  await s.bridge.close().catch(() => {});
  await s.daemon.stop();
}

let browser: Browser;
let open: Stack;
let closed: Stack;
const problems: string[] = [];

/** expect.poll with room for a loaded machine (its default gives up after 1 s; hashing can take longer). */
function poll<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 20_000, interval: 50 });
}

/** A fresh tab (own sessionStorage) that records CSP violations and script errors. */
async function tab(ctx: BrowserContext, url: string): Promise<Page> {
  const page = await ctx.newPage();
  page.on("console", (m) => {
    // A refused API call logs its status too; only a blocked resource or script counts here.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource"))
      problems.push(`${url}: console: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() === 404) problems.push(`${url}: 404 for ${r.url()}`);
  });
  page.on("pageerror", (e) => problems.push(`${url}: ${e.message}`));
  await page.goto(url);
  return page;
}

async function axeClean(page: Page, what: string): Promise<void> {
  const v = await seriousViolations(page);
  console.log(
    `axe ${what}: ${v.length} serious/critical violations${v.length ? ` ${JSON.stringify(v)}` : ""}`,
  );
  expect(v, what).toEqual([]);
}

beforeAll(async () => {
  [open, closed, browser] = await Promise.all([
    startStack({}),
    startStack({ setupWindow: { openAtBoot: false } }),
    launch(),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  await Promise.all([stopStack(open), stopStack(closed)]);
}, 60_000);

describe("the pages in Chromium through nginx", () => {
  let ctx: BrowserContext;
  let setupPage: Page;

  beforeAll(async () => {
    ctx = await browser.newContext();
  });
  afterAll(async () => {
    await ctx?.close().catch(() => {});
  });

  it("setup during the window: countdown, a weak password's reason before submit, a good one succeeds", async () => {
    const page = await tab(ctx, `${open.nginx.url}/`);
    setupPage = page;
    const setupPosts: string[] = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/v1/setup")) setupPosts.push(r.method());
    });
    await page.locator("#window-open").waitFor({ state: "visible" });
    await poll(() => page.locator("#countdown").textContent()).toMatch(/^1[45]:\d\d$/);
    await axeClean(page, "setup page (window open)");
    await page.fill("#setup-user", ADMIN.username);
    await page.fill("#setup-pass", "admin@4k");
    await poll(() => page.locator("#setup-rule").textContent()).toContain("factory default");
    await page.fill("#setup-pass", "owner2024owner!");
    await poll(() => page.locator("#setup-rule").textContent()).toContain("user name");
    await page.fill("#setup-pass", "short words");
    await poll(() => page.locator("#setup-rule").textContent()).toContain("at least 15 characters");
    expect(setupPosts, "nothing was sent while typing").toEqual([]);
    // The daemon's own list: the browser leaves "common" to it, and shows its reason on submit.
    await page.fill("#setup-pass", "sunshine2024sunshine");
    await poll(() => page.locator("#setup-rule").textContent()).toContain("will check");
    await page.click("#setup-submit");
    await poll(() => page.locator("#setup-msg").textContent()).toContain("most common passwords");
    expect(setupPosts).toEqual(["POST"]);
    await page.fill("#setup-pass", ADMIN.password);
    await page.click("#setup-submit");
    await page.locator("#account").waitFor({ state: "visible" });
    expect(await page.locator("#who").textContent()).toBe(ADMIN.username);
    const status = await apiRequest(open.daemon.apiSocket, { method: "GET", path: "/v1/status" });
    expect((status.body as { state: string }).state).toBe("provisioned");
    await axeClean(page, "account view");
  }, 120_000);

  it("login in a fresh tab: a wrong password is refused with the reason, the right one signs in", async () => {
    const other = await browser.newContext();
    try {
      const page = await tab(other, `${open.nginx.url}/`);
      await page.locator("#login").waitFor({ state: "visible" });
      await axeClean(page, "login view");
      await page.fill("#login-user", ADMIN.username);
      await page.fill("#login-pass", "not the password at all");
      await page.click("#login-submit");
      await poll(() => page.locator("#login-msg").textContent()).not.toBe("");
      await page.fill("#login-pass", ADMIN.password);
      await page.click("#login-submit");
      await page.locator("#account").waitFor({ state: "visible" });
      // The token is in sessionStorage, never in a cookie.
      expect(await other.cookies()).toEqual([]);
      expect(await page.evaluate(() => sessionStorage.getItem("recoveryd.token"))).toMatch(/^rds_/);
    } finally {
      await other.close();
    }
  }, 120_000);

  it("change password, then create and revoke a token", async () => {
    const page = setupPage;
    const newPassword = "marble kettle orchard 4411";
    await page.fill("#passwd-current", ADMIN.password);
    await page.fill("#passwd-new", "owner");
    await poll(() => page.locator("#passwd-rule").textContent()).not.toBe("");
    await page.fill("#passwd-new", newPassword);
    await page.click("#passwd-submit");
    await poll(() => page.locator("#passwd-msg").textContent()).toContain("Password changed");
    const api = (method: string, p: string, body?: unknown, token?: string) =>
      apiRequest(open.daemon.apiSocket, { method, path: p, body, token });
    expect((await api("POST", "/v1/login", ADMIN)).status).toBe(401);
    expect((await api("POST", "/v1/login", { ...ADMIN, password: newPassword })).status).toBe(200);

    await page.fill("#token-name", "nvr-app");
    await page.click("#token-submit");
    await poll(() => page.locator("#token-msg").textContent()).toContain("created");
    const shown = (await page.locator("#token-msg").textContent()) ?? "";
    const secret = /rdt_[A-Za-z0-9_-]+/.exec(shown)?.[0] ?? "";
    expect((await api("GET", "/v1/session", undefined, secret)).status).toBe(200);
    const row = page.locator("#tokens tbody tr", { hasText: "nvr-app" });
    await row.waitFor();
    await row.getByRole("button", { name: "Revoke nvr-app" }).click();
    await poll(() => page.locator("#token-msg").textContent()).toContain("revoked");
    await poll(() => row.count()).toBe(0);
    expect((await api("GET", "/v1/session", undefined, secret)).status).toBe(401);
  }, 120_000);

  it("audit view: the newest entries, verify, and live events (same tab, same session)", async () => {
    const page = setupPage;
    await page.click("#audit-link");
    await page.locator("#entries tbody tr", { hasText: "token-revoked" }).first().waitFor();
    await page.click("#verify-button");
    await expect
      .poll(() => page.locator("#verify-msg").textContent())
      .toMatch(/^Intact: \d+ entries verified/);
    const sim = await SimClient.connect(open.daemon.simSocket);
    try {
      await sim.press(300);
    } finally {
      await sim.close();
    }
    await page.locator('#live li[data-type="press"]').first().waitFor();
    await axeClean(page, "audit view");
    await page.click('footer a[href="index.html"]');
    await page.locator("#account").waitFor({ state: "visible" });
  }, 120_000);

  it("virtual board: a 7 s space-bar hold turns the page's LED to slow blink within 200 ms of the daemon's event; on release the setup page flips to first-boot", async () => {
    const board = await tab(ctx, `${open.nginx.url}/board.html`);
    await board.locator("#board").waitFor({ state: "visible" });
    await axeClean(board, "virtual board page");
    // The daemon's own event, read straight from its socket, is the reference time.
    let daemonAt: number | undefined;
    const stream = await openEventStream(open.daemon.apiSocket, (e) => {
      if (e.type === "led" && e.data.pattern === "slow-blink" && daemonAt === undefined)
        daemonAt = performance.timeOrigin + performance.now();
    });
    try {
      // A short press with the mouse first: a provisioned recorder answers with one status blink.
      const box = await board.locator("#hold-button").boundingBox();
      await board.mouse.move((box?.x ?? 0) + 40, (box?.y ?? 0) + 40);
      await board.mouse.down();
      await board.locator('#hold-button[data-sim="down"]').waitFor();
      await board.waitForTimeout(300);
      await board.mouse.up();
      await board.locator('#hold-button[data-sim="up"]').waitFor();
      await poll(() => board.locator("#release-does").textContent()).toBe("released: short");
      await board.focus("#hold-button");
      const downAt = Date.now();
      await board.keyboard.down(" ");
      await board.locator('#led[data-pattern="slow-blink"]').waitFor({ timeout: 15_000 });
      expect(await board.locator("#tier").textContent()).toBe("credential");
      expect(await board.locator("#release-does").textContent()).toContain("credential reset");
      // The 5 s beep, from the same stream (played with WebAudio; named for a silent test).
      await poll(() => board.locator("#buzzer").textContent()).toBe("1 short beep");
      const pageAt = Number(await board.locator("#led").getAttribute("data-changed-at"));
      await poll(() => daemonAt !== undefined).toBe(true);
      const lag = pageAt - (daemonAt ?? 0);
      console.log(`board LED slow-blink: page ${lag.toFixed(1)} ms after the daemon's event (through nginx)`);
      expect(lag).toBeLessThan(200);
      expect(Number.parseFloat((await board.locator("#held").textContent()) ?? "0")).toBeGreaterThanOrEqual(
        4.5,
      );
      await new Promise((r) => setTimeout(r, Math.max(0, 7000 - (Date.now() - downAt))));
      await board.keyboard.up(" ");
    } finally {
      stream.close();
    }
    // The setup tab was showing the account; the reset's state event flips it by itself.
    await setupPage.locator("#window-open").waitFor({ state: "visible", timeout: 15_000 });
    expect(await setupPage.locator("#account").isHidden()).toBe(true);
    expect(await setupPage.evaluate(() => document.body.dataset.state)).toBe("first-boot");
    await poll(() => board.locator("#state").textContent()).toBe("first-boot");
  }, 120_000);
});

describe("setup with the window closed, and the unlock challenge", () => {
  let ctx: BrowserContext;
  beforeAll(async () => {
    ctx = await browser.newContext();
  });
  afterAll(async () => {
    await ctx?.close().catch(() => {});
  });

  it("asks for the sticker code and succeeds with it", async () => {
    const page = await tab(ctx, `${closed.nginx.url}/`);
    await page.locator("#window-closed").waitFor({ state: "visible" });
    expect(await page.locator("#closed-fields").isVisible()).toBe(true);
    await axeClean(page, "setup page (window closed)");
    // Keyboard only: Tab through the form, Enter submits.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("setup-user");
    await page.keyboard.type(ADMIN.username);
    await page.keyboard.press("Tab");
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press("Enter");
    // Without the code the daemon refuses, and the page says why.
    await poll(() => page.locator("#setup-msg").textContent()).toContain("security code");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("setup-code");
    await page.keyboard.type(sticker.toLowerCase());
    await page.keyboard.press("Enter");
    await page.locator("#account").waitFor({ state: "visible" });
  }, 120_000);

  it("the recovery page shows the challenge in groups of four and accepts the vendor tool's code", async () => {
    const page = await tab(ctx, `${closed.nginx.url}/recovery.html`);
    await axeClean(page, "recovery page");
    await page.click("#challenge-button");
    await page.locator("#challenge-box").waitFor({ state: "visible" });
    const shown = (await page.locator("#challenge").textContent()) ?? "";
    expect(shown).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
    await axeClean(page, "recovery page with a challenge");
    // The QR code, rasterised in the page and read back by an independent decoder (jsQR).
    await page.evaluate(jsqrSource);
    const scanned = await page.evaluate(async () => {
      const svg = document.querySelector("#challenge-qr svg");
      if (!svg) return null;
      const img = new Image();
      img.src = `data:image/svg+xml;base64,${btoa(new XMLSerializer().serializeToString(svg))}`;
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = img.width;
      canvas.height = img.height;
      const c2d = canvas.getContext("2d");
      if (!c2d) return null;
      c2d.drawImage(img, 0, 0);
      const px = c2d.getImageData(0, 0, canvas.width, canvas.height);
      type Decoder = (d: Uint8ClampedArray, w: number, h: number) => { data: string } | null;
      return (globalThis as unknown as { jsQR: Decoder }).jsQR(px.data, px.width, px.height)?.data ?? null;
    });
    expect(scanned).toBe(shown.replace(/ /g, ""));
    const code = vendorCode(shown.replace(/ /g, ""));
    await page.fill("#unlock-code", `${code.slice(0, 4)} ${code.slice(4)}`);
    await page.click("#unlock-submit");
    await page.locator("#next").waitFor({ state: "visible" });
    await page.click("#next a");
    // The setup page takes the one-time setup token from the recovery; the window stays closed.
    await page.locator("#window-closed").waitFor({ state: "visible" });
    expect(await page.inputValue("#setup-token")).not.toBe("");
    await page.fill("#setup-user", "second-owner");
    await page.fill("#setup-pass", "copper lantern meadow 2209");
    await page.click("#setup-submit");
    await page.locator("#account").waitFor({ state: "visible" });
    expect(await page.locator("#who").textContent()).toBe("second-owner");
  }, 120_000);

  it("the recovery page exports a reset request and applies the vendor's signed grant file", async () => {
    const page = await tab(ctx, `${closed.nginx.url}/recovery.html`);
    await page.click("#request-button");
    await page.locator("#request-box").waitFor({ state: "visible" });
    const request = JSON.parse(await page.inputValue("#request-json")) as { type: string };
    expect(request.type).toBe("recoveryd-reset-request");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#request-download")]);
    expect(download.suggestedFilename()).toBe("recoveryd.request.json");
    expect(JSON.parse(readFileSync(await download.path(), "utf8"))).toEqual(request);
    const dir = closed.daemon.baseDir;
    writeFileSync(path.join(dir, "request.json"), JSON.stringify(request));
    const grantFile = path.join(dir, "grant.json");
    execFileSync(process.execPath, [
      path.join(repoRoot, "dist/vendor/sign-grant.js"),
      ...[
        "--request",
        path.join(dir, "request.json"),
        "--key",
        path.join(fixtures, "vendor-key-7.private.json"),
      ],
      ...["--action", "credential-reset", "--hours", "24", "--out", grantFile],
    ]);
    await axeClean(page, "recovery page with a request");
    await page.setInputFiles("#grant-file", grantFile);
    await page.click("#grant-submit");
    await page.locator("#next").waitFor({ state: "visible" });
    const status = await apiRequest(closed.daemon.apiSocket, { method: "GET", path: "/v1/status" });
    expect((status.body as { state: string }).state).toBe("first-boot");
  }, 120_000);

  it("no page broke its CSP or threw", () => {
    expect(problems).toEqual([]);
  });
});
