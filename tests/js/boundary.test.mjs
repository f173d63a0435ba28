// js/boundary.js, the boundary's helpers, on their own: the rules a Rust test
// cannot see from the outside (which values are JSON data, which array keys
// are indexes, that nothing thrown by a hostile value escapes).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pb } from '../../js/boundary.js';

describe('js/boundary.js', () => {
  it('classifies values with the numbers the wasm hands over', () => {
    // The numbers are src/wasm/read.rs's; any distinct ones will do here.
    const KIND = { UNDEFINED: 10, NULL: 11, BOOL: 12, NUMBER: 13, STRING: 14, ARRAY: 15, OBJECT: 16, BIGINT: 17, FOREIGN: 18 };
    pb.useKinds(KIND);
    const cases = [
      [undefined, 'UNDEFINED'], [() => 1, 'UNDEFINED'], [Symbol('s'), 'UNDEFINED'],
      [null, 'NULL'], [true, 'BOOL'], [1.5, 'NUMBER'], ['x', 'STRING'], [[1], 'ARRAY'],
      [{ a: 1 }, 'OBJECT'], [Object.create(null), 'OBJECT'], [10n, 'BIGINT'],
      [new Date(0), 'FOREIGN'], [new Map(), 'FOREIGN'], [new Uint8Array(1), 'FOREIGN'],
    ];
    for (const [value, name] of cases) assert.equal(pb.kind(value), KIND[name], String(name));
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    assert.equal(pb.kind(revoked.proxy), KIND.UNDEFINED);
  });

  it('reads own properties and canonical array indexes only', () => {
    assert.equal(pb.get({ a: 1 }, 'a'), 1);
    assert.equal(pb.get({}, 'toString'), undefined);
    assert.equal(pb.get([5, 6], '1'), 6);
    for (const key of ['01', 'length', '-0', '1.0', ' 1']) assert.equal(pb.get([5, 6], key), undefined, key);
    const hostile = { get x() { throw new Error('no'); } };
    assert.equal(pb.get(hostile, 'x'), undefined);
    assert.equal(pb.get('text', 'length'), undefined);
  });

  it('rejects a deadline with the mark it is given, unless cancelled', async () => {
    const d = pb.deadline(5, 'mark:1');
    await assert.rejects(d.promise, (e) => e === 'mark:1');
    assert.equal(d.signal.aborted, true);
    const c = pb.deadline(5, 'mark:2');
    pb.cancel(c);
    const settled = await Promise.race([c.promise.then(() => 'resolved', () => 'rejected'), new Promise((r) => setTimeout(() => r('pending'), 30))]);
    assert.equal(settled, 'pending');
  });

  it('reads at most `limit` bytes of a body', async () => {
    const res = new Response('abcdefghij');
    assert.equal(await pb.readText(res, 4), 'abcd');
  });
});
