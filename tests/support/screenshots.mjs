// Pictures for the documentation, taken by the browser suites. They reach
// docs/ only through `make screenshots` (PASSBRIDGE_SCREENSHOTS=1), so
// `make test` never changes the tree; otherwise they go to .tmp/screenshots/
// (not committed), where a failing run's last picture can still be looked at.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where `name` (e.g. `playground.png`) is written on this run. */
export function screenshotPath(name, env = process.env) {
  if (!/^[a-z0-9-]+\.png$/.test(name)) throw new Error(`not a screenshot name: ${name}`);
  const dir = env.PASSBRIDGE_SCREENSHOTS === '1' ? 'docs' : '.tmp/screenshots';
  return path.join(ROOT, dir, name);
}

/** Saves a PNG taken by a suite; returns the path it was written to. */
export function saveScreenshot(name, png, env = process.env) {
  const file = screenshotPath(name, env);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, png);
  return file;
}
