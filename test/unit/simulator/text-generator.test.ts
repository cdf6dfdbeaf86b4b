import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  countTokens,
  hashText,
  poolPieces,
  poolText,
  splitCounts,
} from '../../../src/simulator/text-generator.ts';

test('countTokens: ceil(word length / 4) per whitespace-separated word; whitespace is free', () => {
  assert.equal(countTokens(''), 0);
  assert.equal(countTokens('   \n\t'), 0);
  assert.equal(countTokens('abcd'), 1);
  assert.equal(countTokens('abcde'), 2);
  assert.equal(countTokens('a bb ccc dddd'), 4);
  assert.equal(countTokens('  hello   world  '), 4);
  assert.equal(countTokens('\ud800\u0000x'), 2, 'a lone surrogate is a code unit; NUL is a separator');
});

test('poolText: exactly N tokens, deterministic, wraps around the pool', () => {
  for (const count of [0, 1, 7, 30, 500]) {
    const text = poolText(3, count);
    assert.equal(countTokens(text), count);
    assert.equal(text, poolText(3, count));
  }
  assert.equal(poolText(5, 4, true).startsWith(' '), true);
});

test('poolPieces: pieces concatenate to the whole text and their tokens add up', () => {
  for (const [count, chunks] of [
    [30, 5],
    [7, 10],
    [1, 3],
    [101, 7],
  ] as const) {
    const pieces = poolPieces(11, count, chunks);
    assert.equal(pieces.map((piece) => piece.text).join(''), poolText(11, count));
    assert.equal(
      pieces.reduce((sum, piece) => sum + piece.tokens, 0),
      count,
    );
    for (const piece of pieces) assert.equal(countTokens(piece.text), piece.tokens);
    assert.equal(pieces.length, Math.min(count, chunks));
  }
  assert.deepEqual(poolPieces(0, 0, 5), []);
});

test('splitCounts: even split, remainder first, never an empty piece', () => {
  assert.deepEqual(splitCounts(10, 3), [4, 3, 3]);
  assert.deepEqual(splitCounts(2, 5), [1, 1]);
  assert.deepEqual(splitCounts(0, 5), []);
});

test('hashText is stable and spreads different prompts', () => {
  assert.equal(hashText('hello'), hashText('hello'));
  assert.notEqual(hashText('hello'), hashText('hellp'));
});
