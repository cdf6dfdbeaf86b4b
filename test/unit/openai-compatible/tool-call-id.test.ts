import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeToolCallId,
  encodeToolCallId,
  newToolCallId,
  signatureIn,
} from '../../../src/providers/openai-compatible/tool-call-id.ts';

test('new ids look like OpenAI ids and differ', () => {
  const first = newToolCallId();
  assert.match(first, /^call_[0-9a-f]{24}$/);
  assert.notEqual(first, newToolCallId());
});

test('a signature survives the id round trip, and the id stays URL-safe', () => {
  const signature = 'AVSoXO4A+zAX/s7G==';
  const encoded = encodeToolCallId('call_1', signature);
  assert.match(encoded, /^call_1~sig\.[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeToolCallId(encoded), { id: 'call_1', signature });
});

test('ids without a signature pass unchanged both ways', () => {
  assert.equal(encodeToolCallId('call_1', undefined), 'call_1');
  assert.equal(encodeToolCallId('call_1', ''), 'call_1');
  assert.deepEqual(decodeToolCallId('call_1'), { id: 'call_1' });
  assert.deepEqual(decodeToolCallId('odd~sig.not base64!'), { id: 'odd~sig.not base64!' });
});

test('signatureIn reads extra_content.google.thought_signature only', () => {
  assert.equal(signatureIn({ google: { thought_signature: 'S' } }), 'S');
  assert.equal(signatureIn({ google: { thought_signature: '' } }), undefined);
  assert.equal(signatureIn({ thought_signature: 'S' }), undefined);
  assert.equal(signatureIn('S'), undefined);
});
