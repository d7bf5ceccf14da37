// Bundles src/ into the mentionwatch package (layers/mentionwatch/mentionwatch/console/static/), where the API
// function serves it under /console. File names carry a content hash, so the shell can be revalidated on every
// load while the bundles are cached for good. index.html is the static shell: no data, no inline script or style
// (the Content-Security-Policy allows only 'self').
import { build } from "esbuild";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "layers", "mentionwatch", "mentionwatch", "console", "static");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: [join(here, "src", "main.jsx")],
  bundle: true,
  minify: true,
  format: "esm",
  target: ["chrome110", "firefox115", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  entryNames: "[name]-[hash]",
  outdir: out,
  metafile: true,
  legalComments: "eof",
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
const script = outputs.find((file) => file.endsWith(".js"));
const style = outputs.find((file) => file.endsWith(".css"));
if (!script || !style) throw new Error(`expected one .js and one .css bundle, got ${outputs.join(", ")}`);

writeFileSync(
  join(out, "index.html"),
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>mentionwatch console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/${style}">
<script type="module" src="/console/${script}"></script>
</head>
<body>
<div id="app"><noscript>The mentionwatch console needs JavaScript.</noscript></div>
</body>
</html>
`,
);
console.log(`console: built ${readdirSync(out).sort().join(", ")} into ${out}`);
