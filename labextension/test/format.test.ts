/**
 * Text of the network view: shapes, parameter counts, shortened labels, layer settings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  clip,
  compactNumber,
  formatInt,
  formatShape,
  formatValue,
  MAX_LABEL_CHARS
} from '../src/dag/format';

describe('formatShape', () => {
  it('joins sizes with ×, unknown sizes as ?', () => {
    assert.equal(formatShape([32, 32, 6]), '32×32×6');
    assert.equal(formatShape([null, 10]), '?×10');
    assert.equal(formatShape(null), '?');
    assert.equal(formatShape([]), 'scalar');
    assert.equal(formatShape(7), '7');
  });

  it('lists the shapes of several outputs', () => {
    assert.equal(formatShape([[4], [2, 2]]), '4, 2×2');
    assert.equal(formatShape([[4], null]), '4, ?');
  });
});

describe('numbers', () => {
  it('writes parameter counts in a few characters', () => {
    assert.equal(compactNumber(950), '950');
    assert.equal(compactNumber(1000), '1K');
    assert.equal(compactNumber(23_456), '23.5K');
    assert.equal(compactNumber(60_400_000), '60.4M');
    assert.equal(compactNumber(2e9), '2G');
  });

  it('writes integers with thousands separators', () => {
    assert.equal(formatInt(1234567), '1,234,567');
    assert.equal(formatInt(0), '0');
  });
});

describe('clip', () => {
  it('keeps short text and shortens long text in the middle', () => {
    assert.equal(clip('conv1'), 'conv1');
    const long = 'a'.repeat(30) + 'b'.repeat(30);
    const short = clip(long);
    assert.equal(short.length, MAX_LABEL_CHARS);
    assert.ok(short.startsWith('aaa') && short.endsWith('bbb') && short.includes('…'));
    assert.equal(clip('abcdefgh', 5), 'ab…gh');
  });
});

describe('formatValue', () => {
  it('writes sizes, lists, mappings and None', () => {
    assert.equal(formatValue([3, 3]), '3×3');
    assert.equal(formatValue([3]), '[3]');
    assert.equal(formatValue(['a', 1]), '[a, 1]');
    assert.equal(formatValue({ l1: 0.01, l2: null }), 'l1=0.01, l2=None');
    assert.equal(formatValue(true), 'true');
    assert.equal(formatValue(null), 'None');
  });
});
