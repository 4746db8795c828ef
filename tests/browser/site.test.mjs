// Browser tests: the built example site in headless Chromium, served by a
// real HTTP server with a strict Content-Security-Policy, and embedded in a
// page of another origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, cpSync, writeFileSync, readFileSync, mkdirSync, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { repo, bin, artifacts, launch } from "./chromium.mjs";

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'";

let site, host, browser, out;

const types = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript", ".json": "application/json", ".xml": "application/xml" };

function serve(root, headers) {
  const server = createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (p.endsWith("/")) p += "index.html";
    const file = path.join(root, path.normalize(p));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/html" });
      res.end(existsSync(path.join(root, "404.html")) ? readFileSync(path.join(root, "404.html")) : "not found");
      return;
    }
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream", ...headers });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "scholarsite-browser-"));
  cpSync(path.join(repo, "content"), path.join(dir, "content"), { recursive: true });
  writeFileSync(path.join(dir, "site.toml"), readFileSync(path.join(repo, "site.toml"), "utf8") +
    '\n[[groups]]\nid = "example-group"\nname = "Example group"\nmembers = ["zhengliang-liu", "dajiang-zhu"]\n');
  out = path.join(dir, "out");
  execFileSync(bin, ["build", "--root", dir, "--output", out, "-q"], { stdio: "inherit" });
  site = await serve(out, { "content-security-policy": CSP });
  const siteOrigin = `http://127.0.0.1:${site.address().port}`;
  const hostRoot = path.join(dir, "host");
  mkdirSync(hostRoot);
  writeFileSync(path.join(hostRoot, "index.html"), `<!doctype html><title>Lab page</title><link rel="icon" href="data:,"><h1>Our lab</h1>
<iframe id="p" src="${siteOrigin}/researchers/dajiang-zhu/embed/" title="Profile" width="100%" height="720" sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"></iframe>
<iframe id="g" src="${siteOrigin}/groups/example-group/embed/" title="Group" width="100%" height="640" sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"></iframe>`);
  host = await serve(hostRoot, {});
  browser = await launch();
});

after(async () => {
  await browser?.close();
  site?.close();
  host?.close();
});

const siteUrl = (p) => `http://127.0.0.1:${site.address().port}${p}`;

/** A page that records console errors, page errors and CSP violations. */
async function open(url, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
  page.on("pageerror", (e) => problems.push("pageerror: " + e.message));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => { (window.__csp ||= []).push(e.violatedDirective + " " + e.blockedURI); });
  });
  const response = await page.goto(url, { waitUntil: "load" });
  assert.equal(response.status(), 200, url);
  return { page, context, problems };
}

async function cspViolations(page) {
  return page.evaluate(() => window.__csp || []);
}

test("profile page: no errors, SVG matches graph.json, every node a link", async () => {
  for (const id of ["zhengliang-liu", "dajiang-zhu"]) {
    const { page, context, problems } = await open(siteUrl(`/researchers/${id}/`));
    const graph = JSON.parse(readFileSync(path.join(out, `researchers/${id}/graph.json`), "utf8"));
    const count = await page.locator("#graph svg .gn").count();
    assert.equal(count, graph.nodes.length);
    assert.equal(await page.locator("#graph svg a.gn").count(), graph.nodes.filter((n) => n.url).length);
    assert.equal(await page.locator("#graph svg .edges path").count(), graph.edges.length);
    await page.screenshot({ path: path.join(artifacts, `profile-${id}.png`), fullPage: true });
    assert.deepEqual(problems, []);
    assert.deepEqual(await cspViolations(page), []);
    await context.close();
  }
});

test("following a node reaches its page", async () => {
  const { page, context } = await open(siteUrl("/researchers/zhengliang-liu/"));
  const work = page.locator("#graph svg a.gn.k-work").first();
  const href = await work.getAttribute("href");
  await Promise.all([page.waitForURL("**/works/**"), work.locator("rect").click()]);
  assert.ok(page.url().endsWith(href), `${page.url()} vs ${href}`);
  assert.match(await page.locator("h1").innerText(), /\w/);
  await context.close();
});

test("hovering highlights neighbours; kind filters change what is shown", async () => {
  const { page, context, problems } = await open(siteUrl("/researchers/dajiang-zhu/"));
  const svg = page.locator("#graph svg");
  await page.locator("#graph svg .gn.k-coauthor > circle").first().hover();
  assert.equal(await svg.getAttribute("class"), "graph-svg hl");
  assert.ok((await page.locator("#graph svg .gn.on").count()) > 1);
  const works = await page.locator("#graph svg .gn.k-work").count();
  assert.ok(works > 0);
  const visible = () => page.locator("#graph svg .gn:visible").count();
  const before = await visible();
  await page.getByLabel("Works").first().uncheck();
  assert.equal(await visible(), before - works);
  assert.equal(await page.locator("#graph svg .gn.k-work:visible").count(), 0);
  await page.getByLabel("Works").first().check();
  assert.equal(await visible(), before);
  assert.deepEqual(problems, []);
  await context.close();
});

test("without JavaScript the graph and its lists are there", async () => {
  const { page, context } = await open(siteUrl("/researchers/dajiang-zhu/"), { javaScriptEnabled: false });
  const graph = JSON.parse(readFileSync(path.join(out, "researchers/dajiang-zhu/graph.json"), "utf8"));
  assert.equal(await page.locator("#graph svg .gn").count(), graph.nodes.length);
  assert.equal(await page.locator("[data-filters]").first().isVisible(), false, "filters need the script");
  const lists = await page.locator(".graph-lists").innerText();
  assert.match(lists, /Zhengliang Liu/);
  assert.match(lists, /Mask-guided Vision Transformer/);
  assert.match(await page.locator("body").innerText(), /Trust 21 - Emerging/);
  await page.screenshot({ path: path.join(artifacts, "profile-no-js.png"), fullPage: true });
  await context.close();
});

test("explorer: search, year filter, panel, keyboard and zoom", async () => {
  const { page, context, problems } = await open(siteUrl("/researchers/dajiang-zhu/graph/"));
  const svg = page.locator(".explorer svg");
  await page.locator("[data-search]").fill("vision transformer");
  const matches = await page.locator(".explorer svg .gn.match").count();
  assert.ok(matches >= 1, "search finds nodes");
  await page.locator("[data-search]").fill("");
  await page.locator("[data-year-min]").fill("2026");
  const shownWorks = await page.locator(".explorer svg .gn.k-work:visible").count();
  assert.equal(shownWorks, 2, "only the 2026 works remain");
  await page.locator("[data-year-min]").fill("2022");
  await page.locator(".explorer svg .gn.k-coauthor > circle").first().click();
  const panel = page.locator("[data-panel]");
  assert.match(await panel.innerText(), /Zhengliang Liu/);
  assert.match(await panel.innerText(), /Open page/);
  assert.match(page.url(), /\/graph\/$/, "clicking selects; it does not navigate");
  // Keyboard: focus a work node and press Enter.
  await page.locator(".explorer svg .gn.k-work").first().focus();
  await page.keyboard.press("Enter");
  assert.match(await panel.innerText(), /^WORK$/im);
  const box = await svg.getAttribute("viewBox");
  await page.getByRole("button", { name: "Zoom in" }).click();
  assert.notEqual(await svg.getAttribute("viewBox"), box);
  await page.getByRole("button", { name: "Reset" }).click();
  assert.equal(await svg.getAttribute("viewBox"), box);
  await page.screenshot({ path: path.join(artifacts, "explorer-dajiang-zhu.png") });
  assert.deepEqual(problems, []);
  assert.deepEqual(await cspViolations(page), []);
  await context.close();
});

test("embeds render inside iframes of another origin, loading nothing else", async () => {
  const context = await browser.newContext({ viewport: { width: 700, height: 1450 } });
  const page = await context.newPage();
  const problems = [];
  const origins = new Set();
  page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
  page.on("request", (r) => origins.add(new URL(r.url()).origin));
  const setCookies = [];
  page.on("response", async (r) => { const h = await r.allHeaders(); if (h["set-cookie"]) setCookies.push(r.url()); });
  await page.goto(`http://localhost:${host.address().port}/`, { waitUntil: "load" });
  const profile = page.frameLocator("#p");
  await profile.locator("h1").waitFor();
  assert.equal(await profile.locator("h1").innerText(), "Dajiang Zhu");
  assert.match(await profile.locator(".trust-line").innerText(), /Trust 21 - Emerging/);
  assert.ok((await profile.locator("svg .gn").count()) > 5);
  assert.equal(await profile.locator("svg a.gn").first().getAttribute("target"), "_blank", "links leave the iframe");
  const group = page.frameLocator("#g");
  assert.equal(await group.locator("h1").innerText(), "Example group");
  assert.equal(await group.locator("svg .gn.k-researcher").count(), 2);
  const frame = page.frames().find((f) => f.url().includes("/researchers/dajiang-zhu/embed/"));
  // The sandboxed frame cannot even read cookies; nothing sets any.
  const cookie = await frame.evaluate(() => { try { return document.cookie; } catch (e) { return e.name; } });
  assert.ok(cookie === "" || cookie === "SecurityError", cookie);
  assert.deepEqual(setCookies, []);
  assert.deepEqual([...origins].sort(), [`http://127.0.0.1:${site.address().port}`, `http://localhost:${host.address().port}`].sort());
  await page.screenshot({ path: path.join(artifacts, "embed-in-host.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test("group page shows members and their combined graph", async () => {
  const { page, context, problems } = await open(siteUrl("/groups/example-group/"));
  assert.equal(await page.locator("h1").innerText(), "Example group");
  assert.equal(await page.locator("svg .gn.k-researcher").count(), 2);
  const graph = JSON.parse(readFileSync(path.join(out, "groups/example-group/graph.json"), "utf8"));
  assert.equal(await page.locator("svg .gn").count(), graph.nodes.length);
  assert.deepEqual(problems, []);
  await context.close();
});
