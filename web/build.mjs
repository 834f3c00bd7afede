// Builds the chat page into dist/ (git-ignored), which the Rasa server serves at /webchat/.
// One bundle, no CDN: the page loads nothing from anywhere but its own server.
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";

const outdir = new URL("./dist/", import.meta.url).pathname;
await rm(outdir, { recursive: true, force: true });
await mkdir(`${outdir}assets`, { recursive: true });
await build({
  entryPoints: { chat: "src/main.js" },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "iife",
  target: ["es2020", "chrome100", "safari15", "firefox100"],
  outdir: `${outdir}assets`,
  logLevel: "warning",
});
// The agent console's stylesheet: Pico CSS and the console's own rules in one file.
await build({
  entryPoints: { console: "src/console.css" },
  bundle: true,
  minify: true,
  outdir: `${outdir}console`,
  logLevel: "warning",
});
await copyFile("src/chat.css", `${outdir}assets/chat.css`);
await copyFile("src/index.html", `${outdir}index.html`);
console.log(`web chat built into ${outdir}`);
