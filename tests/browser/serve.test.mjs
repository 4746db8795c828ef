// Live reload in a real browser: `scholarsite serve` on a copy of the
// example site, a page open in headless Chromium, and the site's files
// edited on disk. Waits are for navigations and elements, with timeouts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, cpSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import path from "node:path";
import { repo, bin, artifacts, launch } from "./chromium.mjs";

const work = "content/works/a-unified-and-biologically-plausible-relational-graph.md";

let dir, server, url, browser;
// What `serve` printed, for the message of a failed wait.
const log = [];

// Waits for `promise`; on failure, says what the server printed meanwhile.
async function withLog(promise) {
  try {
    return await promise;
  } catch (e) {
    e.message += "\nserve printed:\n" + log.join("\n");
    throw e;
  }
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "scholarsite-serve-"));
  cpSync(path.join(repo, "content"), path.join(dir, "content"), { recursive: true });
  cpSync(path.join(repo, "site.toml"), path.join(dir, "site.toml"));
  server = spawn(bin, ["serve", "--root", dir, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: server.stdout });
  url = await new Promise((resolve, reject) => {
    lines.on("line", (l) => {
      log.push(`${new Date().toISOString()} ${l}`);
      if (l.startsWith("serving ")) resolve(l.split(" ")[1]);
    });
    server.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill();
});

test("an edit reloads the page; a broken file shows an overlay until fixed", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(url + "researchers/dajiang-zhu/", { waitUntil: "load" });
  // Wait until the page listens to the event stream.
  await page.waitForSelector("html[data-scholarsite-live=on]");
  const file = path.join(dir, work);
  const good = readFileSync(file, "utf8");

  const reloaded = page.waitForNavigation({ timeout: 30000 });
  writeFileSync(file, good.replace("A Unified and Biologically-Plausible", "A Live-Reloaded Unified"));
  await withLog(reloaded);
  await page.locator(".work-title", { hasText: "A Live-Reloaded Unified" }).waitFor({ timeout: 5000 });

  // Break it: the page stays and lists the error, as text.
  writeFileSync(file, good.replace("year = 2022", 'year = "<img src=x onerror=alert(1)>"'));
  const overlay = page.locator("#scholarsite-errors");
  await withLog(overlay.waitFor({ timeout: 30000 }));
  const text = await overlay.innerText();
  assert.match(text, /a-unified-and-biologically-plausible-relational-graph\.md:4/);
  assert.match(text, /year/);
  assert.equal(await overlay.locator("img").count(), 0, "error text is not parsed as HTML");
  assert.ok((await page.content()).includes("A Live-Reloaded Unified"), "the last good page stays");
  await page.screenshot({ path: path.join(artifacts, "serve-error-overlay.png") });

  // Fix it: the overlay goes, and the page reloads with the new text.
  const again = page.waitForNavigation({ timeout: 30000 });
  writeFileSync(file, good.replace("A Unified and Biologically-Plausible", "A Fixed Unified"));
  await withLog(again);
  await page.locator(".work-title", { hasText: "A Fixed Unified" }).waitFor({ timeout: 5000 });
  assert.equal(await page.locator("#scholarsite-errors").count(), 0);
  assert.deepEqual(problems, []);
});

test("a page that does not show the change is not reloaded", async () => {
  const page = await browser.newPage();
  await page.goto(url + "researchers/zhengliang-liu/", { waitUntil: "load" });
  await page.evaluate(() => { window.__marker = 1; });
  const watcher = await browser.newPage();
  await watcher.goto(url + "researchers/dajiang-zhu/", { waitUntil: "load" });
  await watcher.waitForSelector("html[data-scholarsite-live=on]");
  const file = path.join(dir, work);
  const reloaded = watcher.waitForNavigation({ timeout: 30000 });
  // The venue shows on this work's page and its author's profile only.
  writeFileSync(file, readFileSync(file, "utf8").replace(/venue = "[^"]*"/, 'venue = "Only Dajiang Zhu Shows This"'));
  await withLog(reloaded);
  assert.equal(await page.evaluate(() => window.__marker), 1, "the other profile kept its state");
});
