// `make test` never writes into the tree: a suite's screenshot reaches docs/
// only under `make screenshots` (PASSBRIDGE_SCREENSHOTS=1).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { screenshotPath } from '../support/screenshots.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('screenshots', () => {
  it('go to .tmp/screenshots/ on a test run and to docs/ only with PASSBRIDGE_SCREENSHOTS=1', () => {
    assert.equal(screenshotPath('playground.png', {}), path.join(ROOT, '.tmp/screenshots/playground.png'));
    assert.equal(screenshotPath('playground.png', { PASSBRIDGE_SCREENSHOTS: '0' }), path.join(ROOT, '.tmp/screenshots/playground.png'));
    assert.equal(screenshotPath('deliveries.png', { PASSBRIDGE_SCREENSHOTS: '1' }), path.join(ROOT, 'docs/deliveries.png'));
  });

  it('refuse a name that could leave the folder', () => {
    assert.throws(() => screenshotPath('../README.md', { PASSBRIDGE_SCREENSHOTS: '1' }), /not a screenshot name/);
  });
});
