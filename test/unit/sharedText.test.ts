import * as assert from 'assert';
import { countOf, formatInt, ordinal, plural } from '../../src/shared/text';

describe('shared text: counts and ordinals', () => {
  it('singular only for exactly one', () => {
    assert.strictEqual(countOf(1, 'unpriced call'), '1 unpriced call');
    assert.strictEqual(countOf(0, 'unpriced call'), '0 unpriced calls');
    assert.strictEqual(countOf(2, 'unpriced call'), '2 unpriced calls');
    // rounded for display first: 0.6 reads "1", so "call"; 1.5 reads "2"
    assert.strictEqual(countOf(0.6, 'call'), '1 call');
    assert.strictEqual(countOf(1.5, 'call'), '2 calls');
    assert.strictEqual(countOf(1, 'entry', 'entries'), '1 entry');
    assert.strictEqual(countOf(3, 'entry', 'entries'), '3 entries');
    assert.strictEqual(plural(1, 'was', 'were'), 'was');
    assert.strictEqual(plural(0.5, 'day'), 'days');
  });

  it('thousands separators', () => {
    assert.strictEqual(formatInt(12665), '12,665');
    assert.strictEqual(formatInt(1234567.4), '1,234,567');
    assert.strictEqual(countOf(12665, 'input token'), '12,665 input tokens');
    assert.strictEqual(formatInt(NaN), '—');
  });

  it('ordinals', () => {
    assert.deepStrictEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112, 1002].map(ordinal),
      ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '101st', '111th', '112th', '1,002nd']);
  });
});
