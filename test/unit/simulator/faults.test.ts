import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaultSyntaxError, NO_FAULTS, parseFaults } from '../../../src/simulator/faults.ts';

test('no header means no faults', () => {
  assert.equal(parseFaults(undefined), NO_FAULTS);
  assert.equal(parseFaults(''), NO_FAULTS);
});

test('entries combine with ; & and , and keep the raw label', () => {
  const faults = parseFaults('status=429;retry_after=7');
  assert.equal(faults.status, 429);
  assert.equal(faults.retryAfterSeconds, 7);
  assert.equal(faults.label, 'status=429;retry_after=7');
  const key = parseFaults('status=400&reason=API_KEY_INVALID');
  assert.equal(key.status, 400);
  assert.equal(key.reason, 'API_KEY_INVALID');
  const many = parseFaults('stall_after=3, no_usage; slow_first_byte=50');
  assert.equal(many.stallAfter, 3);
  assert.equal(many.noUsage, true);
  assert.equal(many.slowFirstByteMs, 50);
});

test('aliases: reset, garbage, error_event, non_object, delay_headers, huge_body default', () => {
  assert.equal(parseFaults('reset').resetAfter, 0);
  assert.equal(parseFaults('garbage').malformedAfter, 0);
  assert.equal(parseFaults('error_event').errorEventAfter, 0);
  assert.equal(parseFaults('error_event_after=4').errorEventAfter, 4);
  assert.equal(parseFaults('non_object').nonObjectAfter, 0);
  assert.equal(parseFaults('delay_headers=10').slowFirstByteMs, 10);
  assert.equal(parseFaults('huge_body').hugeBodyBytes, 1024 * 1024);
  assert.equal(parseFaults('zero_usage').zeroUsage, true);
  assert.equal(parseFaults('split_bytes').splitBytes, true);
  assert.equal(parseFaults('malformed_after=2').malformedAfter, 2);
});

test('unknown entries and bad numbers are errors, not silently ignored', () => {
  assert.throws(() => parseFaults('stal_after=3'), FaultSyntaxError);
  assert.throws(() => parseFaults('status=abc'), FaultSyntaxError);
  assert.throws(() => parseFaults('status=42'), FaultSyntaxError);
  assert.throws(() => parseFaults('stall_after=-1'), FaultSyntaxError);
  assert.throws(() => parseFaults('reason'), FaultSyntaxError);
});

test('parsed headers are memoised (same object back)', () => {
  assert.equal(parseFaults('stall_after=9'), parseFaults('stall_after=9'));
});
