// The README is the front door and docs/ holds the reference: every relative
// link in README.md and docs/*.md must reach an existing file, and every
// `#anchor` an existing heading of its target (GitHub's slug rules).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FILES = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((n) => n.endsWith('.md')).sort().map((n) => `docs/${n}`)];

/** The lines of a Markdown text outside fenced code blocks, with their 1-based numbers. */
function proseLines(text) {
  const out = [];
  let fence = null;
  text.split('\n').forEach((line, i) => {
    const open = /^\s*(```|~~~)/.exec(line);
    if (open) {
      if (fence === null) fence = open[1];
      else if (open[1] === fence) fence = null;
      return;
    }
    if (fence === null) out.push({ n: i + 1, line });
  });
  return out;
}

/** GitHub's anchor for a heading's text: lower case, punctuation dropped, spaces to dashes. */
function slug(heading) {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link shows its text
    .replace(/<[^>]+>/g, '') // inline HTML tags are not text
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors of a Markdown file: one per heading, duplicates numbered as GitHub numbers them. */
function anchors(file) {
  const seen = new Map();
  const out = new Set();
  for (const { line } of proseLines(readFileSync(path.join(ROOT, file), 'utf8'))) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = slug(h[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count === 0 ? base : `${base}-${count}`);
  }
  return out;
}

/** Every link and image target of a file's prose (inline code excluded). */
function links(file) {
  const out = [];
  for (const { n, line } of proseLines(readFileSync(path.join(ROOT, file), 'utf8'))) {
    const prose = line.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ n, target: m[1] });
  }
  return out;
}

describe('documentation links', () => {
  it('the slug rules match GitHub for the headings these files use', () => {
    assert.equal(slug('Configure without code: `PASSBRIDGE_*` variables'), 'configure-without-code-passbridge_-variables');
    assert.equal(slug('Contributing: adding a provider'), 'contributing-adding-a-provider');
    assert.equal(slug('In code: `createHandler(options)`'), 'in-code-createhandleroptions');
    assert.equal(slug('1. PassNinja'), '1-passninja');
    assert.equal(slug('Deliberate differences from Klaviyo and Django'), 'deliberate-differences-from-klaviyo-and-django');
  });

  it('every relative link in README.md and docs/*.md reaches a file, and every #anchor a heading', () => {
    const broken = [];
    let checked = 0;
    for (const file of FILES) {
      for (const { n, target } of links(file)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …: not ours to check
        checked++;
        const hash = target.indexOf('#');
        const rel = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
        const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
        const dest = rel === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), rel));
        const where = `${file}:${n} → ${target}`;
        if (dest.startsWith('..') || !existsSync(path.join(ROOT, dest))) {
          broken.push(`${where}: no file ${dest}`);
          continue;
        }
        if (anchor === null) continue;
        if (!dest.endsWith('.md') || statSync(path.join(ROOT, dest)).isDirectory()) {
          broken.push(`${where}: an anchor into a file that is not Markdown`);
        } else if (!anchors(dest).has(anchor)) {
          broken.push(`${where}: no heading #${anchor} in ${dest}`);
        }
      }
    }
    assert.deepEqual(broken, []);
    assert.ok(checked >= 20, `only ${checked} relative links found`);
  });

  it("the README's layer list is the one in docs/layout.md", () => {
    const list = (text) => text.split('\n').filter((l) => /^\d+\. \*\*/.test(l));
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n## Layout\n')[1] ?? '';
    const layout = readFileSync(path.join(ROOT, 'docs/layout.md'), 'utf8').split('\n## Layers\n')[1]?.split('\n## ')[0] ?? '';
    assert.ok(list(layout).length >= 5, 'docs/layout.md lists its layers');
    assert.deepEqual(list(readme.split('\n## ')[0]), list(layout));
  });
});
