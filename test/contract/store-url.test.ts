import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createStore, isPostgresUrl } from '../../src/store/index.ts';
import { sqliteFilename } from '../../src/store/sqlite/index.ts';

describe('createStore', () => {
  it('maps SQLite URLs and plain paths to a filename', () => {
    assert.equal(sqliteFilename('sqlite::memory:'), ':memory:');
    assert.equal(sqliteFilename(':memory:'), ':memory:');
    assert.equal(sqliteFilename('sqlite:./data/portico.db'), './data/portico.db');
    assert.equal(sqliteFilename('sqlite:///var/lib/portico.db'), '/var/lib/portico.db');
    assert.equal(sqliteFilename('data/portico.db'), 'data/portico.db');
  });

  it('recognises PostgreSQL URLs by scheme', () => {
    assert.equal(isPostgresUrl('postgres://user@host/db'), true);
    assert.equal(isPostgresUrl('postgresql://user@host/db'), true);
    assert.equal(isPostgresUrl('sqlite:./postgres.db'), false);
  });

  it('opens a SQLite file, creating its directory, with WAL on', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'portico-url-'));
    try {
      const file = join(directory, 'a', 'b', 'portico.db');
      const store = await createStore(`sqlite:${file}`);
      await store.migrate();
      assert.equal(store.dialect, 'sqlite');
      assert.equal(existsSync(file), true);
      await store.close();
      await store.close();
      const again = await createStore(file);
      await again.migrate();
      assert.equal((await again.listAccounts()).length, 0);
      await again.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('chooses PostgreSQL for postgres URLs without connecting until used', async () => {
    const store = await createStore('postgres://nobody@127.0.0.1:1/none');
    assert.equal(store.dialect, 'postgres');
    await store.close();
  });
});
