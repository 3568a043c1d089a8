// Regenerates the README's screenshots of the web UI: the real daemon on the simulated board,
// the dev web server in front of it, Debian's Chromium (playwright-core) taking the pictures.
//
//   npm run screenshots [-- --out docs]
//
// docs/web-setup.png: the setup page during the window, with a refused password's reason.
// docs/web-board.png: the virtual board 6 s into a hold (credential tier, LED in slow blink).
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { repoRoot, spawnDaemon } from "../../test/rigs/support/daemon-process.js";
import { createWebServer } from "./dev-server.js";

export async function takeScreenshots(outDir: string): Promise<string[]> {
  const daemon = await spawnDaemon({ config: { setupWindow: { openAtBoot: true } } });
  const web = createWebServer({
    apiSocket: daemon.apiSocket,
    simSocket: daemon.simSocket,
    webRoot: path.join(repoRoot, "dist/web"),
  });
  await new Promise<void>((r) => web.server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(web.server.address() as { port: number }).port}`;
  const browser = await chromium.launch({
    executablePath: process.env.RECOVERYD_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  const files = [path.join(outDir, "web-setup.png"), path.join(outDir, "web-board.png")];
  try {
    const page = await browser.newPage({ viewport: { width: 640, height: 760 } });
    await page.goto(`${url}/`);
    await page.locator("#window-open").waitFor({ state: "visible" });
    await page.fill("#setup-user", "owner");
    await page.fill("#setup-pass", "admin@4k");
    await page.locator("#setup-rule.error").waitFor();
    await page.screenshot({ path: files[0] as string, fullPage: true });

    const board = await browser.newPage({ viewport: { width: 640, height: 720 } });
    await board.goto(`${url}/board.html`);
    await board.locator("#board").waitFor({ state: "visible" });
    await board.focus("#hold-button");
    await board.keyboard.down(" ");
    await board.locator('#led[data-pattern="slow-blink"]').waitFor({ timeout: 15_000 });
    await board.waitForTimeout(1000);
    // The start of a lit half-second of the blink, so the picture shows the LED on.
    await board.locator("#led:not(.lit)").waitFor({ timeout: 3000 });
    await board.locator("#led.lit").waitFor({ timeout: 3000 });
    await board.screenshot({ path: files[1] as string });
    await board.keyboard.up(" ");
  } finally {
    await browser.close();
    await web.close();
    await daemon.stop();
  }
  return files;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf("--out");
  const out = path.resolve(
    i > 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : path.join(repoRoot, "docs"),
  );
  for (const f of await takeScreenshots(out))
    process.stdout.write(`wrote ${path.relative(process.cwd(), f)}\n`);
}
