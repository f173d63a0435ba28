// js/inflate.mjs (the single file's portable inflater) against node:zlib on
// the real wasm and on inputs that exercise every block type.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { deflateRawSync, constants } from 'node:zlib';
import { inflateRaw, inflateRawNative } from '../../js/inflate.mjs';

const wasm = readFileSync(new URL('../../pkg/passbridge_bg.wasm', import.meta.url));

describe('inflateRaw', () => {
  it('restores the real wasm exactly (dynamic Huffman blocks, level 9)', () => {
    const out = inflateRaw(deflateRawSync(wasm, { level: 9 }), wasm.length);
    assert.ok(Buffer.from(out).equals(wasm));
  });

  it('stored blocks (level 0), fixed Huffman (Z_FIXED) and repeats (Z_RLE)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
    const inputs = [
      Buffer.alloc(0),
      Buffer.from('a'),
      Buffer.from('abcabcabcabcabcabc'.repeat(1000)),
      Buffer.from(Array.from({ length: 200_000 }, rnd)),
      wasm.subarray(0, 70_000),
    ];
    for (const input of inputs) {
      for (const options of [{ level: 0 }, { strategy: constants.Z_FIXED }, { strategy: constants.Z_RLE }, { strategy: constants.Z_HUFFMAN_ONLY }, { level: 1 }]) {
        const out = inflateRaw(deflateRawSync(input, options), input.length);
        assert.ok(Buffer.from(out).equals(input), `${input.length} bytes, ${JSON.stringify(options)}`);
      }
    }
  });

  it('malformed input is an Error, never a hang or a wrong result', () => {
    const good = deflateRawSync(Buffer.from('hello world '.repeat(50)));
    assert.throws(() => inflateRaw(good.subarray(0, good.length - 3), 600), /inflate/);
    assert.throws(() => inflateRaw(good, 10), /inflate/);
    assert.throws(() => inflateRaw(good, 6000), /inflate/);
    assert.throws(() => inflateRaw(Uint8Array.of(0xff, 0xff, 0xff), 10), /inflate/);
  });

  it('inflateRawNative (DecompressionStream) restores the real wasm exactly and rejects bad input', async () => {
    const out = await inflateRawNative(deflateRawSync(wasm, { level: 9 }), wasm.length);
    assert.ok(Buffer.from(out).equals(wasm));
    const good = deflateRawSync(Buffer.from('hello world '.repeat(50)));
    await assert.rejects(inflateRawNative(good, 10), /inflate/);
    await assert.rejects(inflateRawNative(Uint8Array.of(0xff, 0xff, 0xff), 10));
  });
});
