// What every browser test shares: the binary under test, where screenshots
// go, and Debian's headless Chromium.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

export const repo = path.resolve(import.meta.dirname, "../..");
export const bin = process.env.SCHOLARSITE_BIN || path.join(repo, "target/debug/scholarsite");
export const artifacts = path.join(import.meta.dirname, "artifacts");

export async function launch() {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
