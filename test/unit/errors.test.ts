import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERRORS, PorticoError, type ErrorCode } from '../../src/errors.ts';

const table = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

interface DocRow {
  status: number;
  type: string;
  suggestion: string;
}

function documentedRows(): Map<string, DocRow> {
  const rows = new Map<string, DocRow>();
  for (const line of table.split('\n')) {
    const match = /^\| `([a-z_]+)` \| (\d{3}) \| `([a-z_]+)` \|([^|]*)\|/.exec(line);
    if (match) {
      rows.set(match[1] as string, {
        status: Number(match[2]),
        type: match[3] as string,
        suggestion: (match[4] as string).trim(),
      });
    }
  }
  return rows;
}

test('every catalogue entry is documented in docs/errors.md with the same status, type and suggestion', () => {
  const documented = documentedRows();
  for (const [code, entry] of Object.entries(ERRORS)) {
    const row = documented.get(code);
    assert.ok(row, `docs/errors.md lacks ${code}`);
    assert.equal(row.status, entry.status, `${code} status`);
    assert.equal(row.type, entry.type, `${code} type`);
    assert.equal(row.suggestion, 'suggestion' in entry ? entry.suggestion : '', `${code} suggestion`);
  }
});

test('every documented error exists in the catalogue', () => {
  const documented = documentedRows();
  assert.ok(documented.size >= 10, 'the table parses');
  for (const code of documented.keys()) assert.ok(code in ERRORS, `src/errors.ts lacks ${code}`);
});

test('PorticoError builds the seed body and marks final errors', () => {
  const error = new PorticoError('model_not_found', { param: 'model', suggestion: 'gemini-3.5-flash' });
  assert.deepEqual(error.toBody(), {
    error: {
      code: 404,
      message: 'Specified model not found',
      type: 'not_found_error',
      param: 'model',
      fallback_suggestion: 'gemini-3.5-flash',
    },
  });
  assert.equal(error.final, true);
  const limited = new PorticoError('rate_limited' as ErrorCode, { retryAfterSeconds: 7 });
  assert.equal(limited.final, false);
  assert.equal(limited.toBody().error.fallback_suggestion, 'retry after 7 seconds');
});
