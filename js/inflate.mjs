// Raw DEFLATE (RFC 1951) decoding, synchronous, for runtimes without
// node:zlib (browsers, workerd): the single file carries its wasm deflated.
// Written from the RFC; canonical Huffman codes decoded bit by bit.

const LBASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEXT = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DBASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DEXT = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Canonical Huffman code from code lengths: counts per length, symbols in code order. */
function huffman(lengths) {
  const counts = new Uint16Array(16);
  const offsets = new Uint16Array(16);
  const symbols = new Uint16Array(lengths.length);
  for (const l of lengths) counts[l]++;
  counts[0] = 0;
  for (let i = 1; i < 16; i++) offsets[i] = offsets[i - 1] + counts[i - 1];
  for (let s = 0; s < lengths.length; s++) if (lengths[s]) symbols[offsets[lengths[s]]++] = s;
  return { counts, symbols };
}

/** Inflates raw DEFLATE `src` into exactly `size` bytes; throws on malformed input. */
export function inflateRaw(src, size) {
  const out = new Uint8Array(size);
  let op = 0;
  let ip = 0;
  let buf = 0;
  let cnt = 0;
  const fail = (why) => {
    throw new Error(`inflate: ${why}`);
  };
  const bits = (n) => {
    while (cnt < n) {
      if (ip >= src.length) fail("input ends early");
      buf |= src[ip++] << cnt;
      cnt += 8;
    }
    const v = buf & ((1 << n) - 1);
    buf >>>= n;
    cnt -= n;
    return v;
  };
  const decode = (h) => {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= bits(1);
      const count = h.counts[len];
      if (code - count < first) return h.symbols[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return fail("bad code");
  };
  const codes = (lit, dist) => {
    for (;;) {
      let sym = decode(lit);
      if (sym < 256) {
        if (op >= size) fail("output too long");
        out[op++] = sym;
      } else if (sym === 256) {
        return;
      } else {
        sym -= 257;
        if (sym >= 29) fail("bad length");
        const len = LBASE[sym] + bits(LEXT[sym]);
        const ds = decode(dist);
        if (ds >= 30) fail("bad distance");
        const d = DBASE[ds] + bits(DEXT[ds]);
        if (d > op || op + len > size) fail("bad copy");
        for (let i = 0; i < len; i++, op++) out[op] = out[op - d];
      }
    }
  };
  let fixed = null;
  let last = 0;
  while (!last) {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      buf = 0;
      cnt = 0;
      if (ip + 4 > src.length) fail("input ends early");
      const len = src[ip] | (src[ip + 1] << 8);
      ip += 4;
      if (ip + len > src.length || op + len > size) fail("bad stored block");
      out.set(src.subarray(ip, ip + len), op);
      ip += len;
      op += len;
    } else if (type === 1) {
      if (fixed === null) {
        const l = new Uint8Array(288);
        l.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
        fixed = [huffman(l), huffman(new Uint8Array(30).fill(5))];
      }
      codes(fixed[0], fixed[1]);
    } else if (type === 2) {
      const nlen = bits(5) + 257;
      const ndist = bits(5) + 1;
      const ncode = bits(4) + 4;
      const cl = new Uint8Array(19);
      for (let i = 0; i < ncode; i++) cl[ORDER[i]] = bits(3);
      const clh = huffman(cl);
      const lengths = new Uint8Array(nlen + ndist);
      for (let i = 0; i < nlen + ndist; ) {
        const sym = decode(clh);
        if (sym < 16) {
          lengths[i++] = sym;
          continue;
        }
        let value = 0;
        let rep;
        if (sym === 16) {
          if (i === 0) fail("repeat without a length");
          value = lengths[i - 1];
          rep = 3 + bits(2);
        } else if (sym === 17) {
          rep = 3 + bits(3);
        } else {
          rep = 11 + bits(7);
        }
        if (i + rep > nlen + ndist) fail("too many lengths");
        lengths.fill(value, i, i + rep);
        i += rep;
      }
      codes(huffman(lengths.subarray(0, nlen)), huffman(lengths.subarray(nlen)));
    } else {
      fail("bad block type");
    }
  }
  if (op !== size) fail("output too short");
  return out;
}

/**
 * Inflates raw DEFLATE with the platform's `DecompressionStream("deflate-raw")`
 * (browsers, Node ≥ 18, workerd): native and several times faster than
 * `inflateRaw`, but asynchronous, so only for callers that may wait. Rejects
 * on malformed input or when the result is not exactly `size` bytes.
 */
export async function inflateRawNative(src, size) {
  const stream = new Blob([src]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const out = new Uint8Array(await new Response(stream).arrayBuffer());
  if (out.length !== size) throw new Error("inflate: output size differs");
  return out;
}
