// npm's "prepack" step, after `make -s dist/klaviyo-code-action.mjs` rebuilt
// what was stale: refuses to pack an incomplete tree, so `npm pack` never
// produces a tarball that fails at import. It checks that every
// entry of package.json's "files" exists (a directory: not empty), and that no
// ignore file sits inside a listed directory: npm honours nested .gitignore and
// .npmignore files, and wasm-pack's pkg/.gitignore ("*") once dropped
// pkg/snippets/ from the tarball.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const problems = [];

const walk = (dir, visit) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    visit(path, entry);
    if (entry.isDirectory()) walk(path, visit);
  }
};

for (const entry of pkg.files) {
  const path = join(root, entry);
  if (!existsSync(path)) {
    problems.push(`${entry} is missing`);
    continue;
  }
  if (!statSync(path).isDirectory()) continue;
  let files = 0;
  walk(path, (p, e) => {
    if (e.isFile()) files++;
    if ([".gitignore", ".npmignore"].includes(e.name)) problems.push(`${p.slice(root.length)} would hide files from the tarball`);
  });
  if (files === 0) problems.push(`${entry} is empty`);
}
for (const dir of ["pkg", "dist"]) {
  for (const ignore of [".gitignore", ".npmignore"]) {
    if (existsSync(join(root, dir, ignore))) problems.push(`${dir}/${ignore} would hide files from the tarball`);
  }
}

if (problems.length > 0) {
  console.error(`npm pack: the package is not ready:\n  ${problems.join("\n  ")}\nRun \`make build\` first.`);
  process.exit(1);
}
