/**
 * The store contract: one suite, run against every back-end (STYLE.md: kysely's "same tests for every
 * dialect"). Money is checked to the micro-USD; every race ends with the books balanced.
 */
import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe } from 'node:test';
import {
  AccountNotFoundError,
  DuplicateHoldError,
  HoldNotFoundError,
  IdempotencyKeyReusedError,
  InsufficientBalanceError,
  InvalidAmountError,
} from '../../src/store/errors.ts';
import type { HoldInput, SettleInput, Store } from '../../src/store/types.ts';
import { testsSkippedWhen } from '../helpers/requirements.ts';
import { BACKENDS, type OpenedStore } from './store-backends.ts';
import { runMultiProcessRace } from './store-race.ts';

/** A clock the tests move by hand; the store stamps every row with it. */
class TestClock {
  #now = Date.parse('2026-03-01T10:00:00.000Z');
  readonly read = (): Date => new Date(this.#now);
  advance(ms: number): void {
    this.#now += ms;
  }
  set(iso: string): void {
    this.#now = Date.parse(iso);
  }
  iso(): string {
    return new Date(this.#now).toISOString();
  }
}

const HOUR = 60 * 60 * 1000;

function holdInput(
  accountId: string,
  requestId: string,
  amountMicros: number,
  extra: Partial<HoldInput> = {},
): HoldInput {
  return {
    requestId,
    attempt: 1,
    accountId,
    keyId: 'key_test',
    model: 'gemini-3-flash',
    deployment: 'google/gemini-3-flash',
    amountMicros,
    processId: 'proc-a',
    ...extra,
  };
}

function settleInput(requestId: string, costMicros: number, extra: Partial<SettleInput> = {}): SettleInput {
  return {
    requestId,
    attempt: 1,
    costMicros,
    tokens: { prompt: 100, cachedPrompt: 20, completion: 50, reasoning: 10, total: 150 },
    usageEstimated: false,
    terminalState: 'ok',
    status: 200,
    priceVersion: 'in0.5-cin0.05-out3',
    latencyMs: 120,
    ttftMs: 40,
    stream: true,
    errorCode: null,
    ...extra,
  };
}

let keyCounter = 0;
function keyHash(): string {
  keyCounter++;
  return keyCounter.toString(16).padStart(64, '0');
}

for (const backend of BACKENDS) {
  describe(`store contract: ${backend.name}`, () => {
    const it = testsSkippedWhen(backend.skip);
    let opened: OpenedStore;
    let store: Store;
    let clock: TestClock;

    beforeEach(async () => {
      clock = new TestClock();
      opened = await backend.open({ clock: clock.read });
      store = opened.store;
    });

    afterEach(async () => {
      await opened.cleanup();
    });

    describe('lifecycle', () => {
      it('migrates idempotently and answers ping', async () => {
        await store.migrate();
        await store.migrate();
        await store.ping();
        assert.equal(store.dialect === 'sqlite' || store.dialect === 'postgres', true);
      });
    });

    describe('accounts', () => {
      it('creates an account with initial credits, an entry and an audit row', async () => {
        const account = await store.createAccount({ name: 'Acme', creditsMicros: 5_000_000, actor: 'admin' });
        assert.match(account.id, /^acct_[0-9A-Za-z]{16,}$/);
        assert.equal(account.balanceMicros, 5_000_000);
        assert.equal(account.heldMicros, 0);
        assert.equal(account.status, 'active');
        assert.equal(account.createdAt, clock.iso());
        assert.deepEqual(await store.getAccount(account.id), account);
        const credits = await store.credits(account.id);
        assert.equal(credits.length, 1);
        assert.equal(credits[0]?.amountMicros, 5_000_000);
        assert.equal(credits[0]?.balanceAfterMicros, 5_000_000);
        const audit = await store.auditLog({ target: account.id });
        assert.deepEqual(
          audit.map((entry) => [entry.action, entry.actor]),
          [['account.create', 'admin']],
        );
      });

      it('creates an account without credits, lists in creation order, misses unknown ids', async () => {
        const first = await store.createAccount({ name: 'one' });
        clock.advance(1);
        const second = await store.createAccount({ name: 'two', creditsMicros: 0 });
        assert.equal(first.balanceMicros, 0);
        assert.deepEqual((await store.credits(first.id)).length, 0);
        assert.deepEqual(
          (await store.listAccounts()).map((account) => account.id),
          [first.id, second.id],
        );
        assert.equal(await store.getAccount('acct_missing'), undefined);
      });

      it('rejects a negative or fractional opening balance', async () => {
        await assert.rejects(store.createAccount({ name: 'x', creditsMicros: -1 }), InvalidAmountError);
        await assert.rejects(store.createAccount({ name: 'x', creditsMicros: 1.5 }), InvalidAmountError);
        assert.equal((await store.listAccounts()).length, 0);
      });

      it('suspends an account, which then cannot hold', async () => {
        const account = await store.createAccount({ name: 'x', creditsMicros: 1000 });
        const suspended = await store.setAccountStatus(account.id, 'suspended');
        assert.equal(suspended?.status, 'suspended');
        assert.deepEqual(await store.hold(holdInput(account.id, 'req_s', 10)), {
          ok: false,
          balanceMicros: 1000,
        });
        assert.equal(await store.setAccountStatus('acct_missing', 'active'), undefined);
        assert.equal((await store.setAccountStatus(account.id, 'active'))?.status, 'active');
        assert.deepEqual(await store.hold(holdInput(account.id, 'req_s', 10)), { ok: true });
      });
    });

    describe('keys', () => {
      it('creates, finds by hash and id, lists by account', async () => {
        const account = await store.createAccount({ name: 'a' });
        const other = await store.createAccount({ name: 'b' });
        const hash = keyHash();
        const key = await store.createKey({
          accountId: account.id,
          name: 'ci',
          prefix: 'sk-port-AbCdEf',
          hash,
          models: ['gemini-3-flash'],
          rpm: 60,
          tpm: 100_000,
          maxConcurrency: 4,
          expiresAt: '2027-01-01T00:00:00.000Z',
        });
        assert.match(key.id, /^key_[0-9A-Za-z]{16,}$/);
        assert.deepEqual(
          { ...key, id: '' },
          {
            id: '',
            accountId: account.id,
            name: 'ci',
            prefix: 'sk-port-AbCdEf',
            hash,
            models: ['gemini-3-flash'],
            rpm: 60,
            tpm: 100_000,
            maxConcurrency: 4,
            expiresAt: '2027-01-01T00:00:00.000Z',
            revokedAt: null,
            createdAt: clock.iso(),
            lastUsedAt: null,
          },
        );
        const bare = await store.createKey({ accountId: other.id, prefix: 'sk-port-x', hash: keyHash() });
        assert.equal(bare.models, null);
        assert.equal(bare.rpm, null);
        assert.equal(bare.name, null);
        assert.deepEqual(await store.findKeyByHash(hash), key);
        assert.deepEqual(await store.getKey(key.id), key);
        assert.equal(await store.findKeyByHash(keyHash()), undefined);
        assert.deepEqual(
          (await store.listKeys(account.id)).map((record) => record.id),
          [key.id],
        );
        assert.equal((await store.listKeys()).length, 2);
      });

      it('refuses a duplicate hash and a key for an unknown account', async () => {
        const account = await store.createAccount({ name: 'a' });
        const hash = keyHash();
        await store.createKey({ accountId: account.id, prefix: 'p', hash });
        await assert.rejects(store.createKey({ accountId: account.id, prefix: 'p', hash }));
        await assert.rejects(store.createKey({ accountId: 'acct_missing', prefix: 'p', hash: keyHash() }));
        assert.equal((await store.listKeys()).length, 1);
      });

      it('updates only the patched fields and audits it', async () => {
        const account = await store.createAccount({ name: 'a' });
        const key = await store.createKey({ accountId: account.id, prefix: 'p', hash: keyHash(), rpm: 10 });
        clock.advance(1000);
        const updated = await store.updateKey(key.id, { models: ['m1', 'm2'], tpm: 500, name: 'renamed' });
        assert.deepEqual(updated?.models, ['m1', 'm2']);
        assert.equal(updated?.tpm, 500);
        assert.equal(updated?.rpm, 10);
        assert.equal(updated?.name, 'renamed');
        const cleared = await store.updateKey(key.id, { models: null, rpm: null });
        assert.equal(cleared?.models, null);
        assert.equal(cleared?.rpm, null);
        assert.equal(await store.updateKey('key_missing', { rpm: 1 }), undefined);
        const actions = (await store.auditLog({ target: key.id })).map((entry) => entry.action);
        assert.deepEqual(actions, ['key.update', 'key.update', 'key.create']);
      });

      it('revokes once, idempotently', async () => {
        const account = await store.createAccount({ name: 'a' });
        const key = await store.createKey({ accountId: account.id, prefix: 'p', hash: keyHash() });
        clock.advance(5000);
        const revoked = await store.revokeKey(key.id);
        assert.equal(revoked?.revokedAt, clock.iso());
        clock.advance(5000);
        const again = await store.revokeKey(key.id);
        assert.equal(again?.revokedAt, revoked?.revokedAt);
        assert.equal((await store.findKeyByHash(key.hash))?.revokedAt, revoked?.revokedAt);
        assert.equal(await store.revokeKey('key_missing'), undefined);
        const actions = (await store.auditLog({ target: key.id })).map((entry) => entry.action);
        assert.deepEqual(actions, ['key.revoke', 'key.create']);
      });
    });

    describe('settings', () => {
      it('stores, overwrites and misses', async () => {
        assert.equal(await store.getSetting('admin_key_hash'), undefined);
        await store.setSetting('admin_key_hash', 'a');
        await store.setSetting('admin_key_hash', 'b');
        assert.equal(await store.getSetting('admin_key_hash'), 'b');
      });

      it('lists the settings under a prefix, exactly (case and wildcards do not widen it)', async () => {
        await store.setSetting('config:model:b', '2');
        await store.setSetting('config:model:a', '1');
        await store.setSetting('CONFIG:MODEL:upper', 'x');
        await store.setSetting('config:modelx', 'y');
        await store.setSetting('config:provider:p', 'z');
        assert.deepEqual(await store.listSettings('config:model:'), [
          { name: 'config:model:a', value: '1' },
          { name: 'config:model:b', value: '2' },
        ]);
        await assert.rejects(store.listSettings('config:%'), /wildcards/);
      });
    });

    describe('hold and settle', () => {
      it('moves a hold from balance to held and records the attempt', async () => {
        const account = await store.createAccount({ name: 'a', creditsMicros: 10_000 });
        assert.deepEqual(await store.hold(holdInput(account.id, 'req_1', 4_000)), { ok: true });
        const after = await store.getAccount(account.id);
        assert.equal(after?.balanceMicros, 6_000);
        assert.equal(after?.heldMicros, 4_000);
        const row = await store.ledgerRow('req_1', 1);
        assert.equal(row?.state, 'held');
        assert.equal(row?.heldMicros, 4_000);
        assert.equal(row?.costMicros, 0);
        assert.equal(row?.terminalState, null);
        assert.equal(row?.settledAt, null);
        assert.deepEqual(
          (await store.openHolds(account.id)).map((open) => open.requestId),
          ['req_1'],
        );
      });

      it('settles to the real cost and releases the rest', async () => {
        const account = await store.createAccount({ name: 'a', creditsMicros: 10_000 });
        await store.hold(holdInput(account.id, 'req_1', 4_000));
        clock.advance(250);
        const row = await store.settle(settleInput('req_1', 1_234));
        assert.equal(row.state, 'settled');
        assert.equal(row.costMicros, 1_234);
        assert.equal(row.heldMicros, 4_000);
        assert.equal(row.terminalState, 'ok');
        assert.equal(row.status, 200);
        assert.deepEqual(row.tokens, {
          prompt: 100,
          cachedPrompt: 20,
          completion: 50,
          reasoning: 10,
          total: 150,
        });
        assert.equal(row.usageEstimated, false);
        assert.equal(row.needsReview, false);
        assert.equal(row.priceVersion, 'in0.5-cin0.05-out3');
        assert.equal(row.latencyMs, 120);
        assert.equal(row.ttftMs, 40);
        assert.equal(row.stream, true);
        assert.equal(row.settledAt, clock.iso());
        const after = await store.getAccount(account.id);
        assert.equal(after?.balanceMicros, 10_000 - 1_234);
        assert.equal(after?.heldMicros, 0);
        assert.deepEqual(await store.openHolds(account.id), []);
      });

      it('records the upstream key label: from the hold, replaced by the settle when it names one', async () => {
        const account = await store.createAccount({ name: 'a', creditsMicros: 10_000 });
        await store.hold(holdInput(account.id, 'req_k1', 1_000, { credential: 'eu-1' }));
        await store.hold(holdInput(account.id, 'req_k2', 1_000, { credential: 'eu-1' }));
        await store.hold(holdInput(account.id, 'req_k3', 1_000));
        assert.equal((await store.ledgerRow('req_k1', 1))?.credential, 'eu-1');
        const kept = await store.settle(settleInput('req_k1', 100));
        const moved = await store.settle(settleInput('req_k2', 100, { credential: 'eu-2' }));
        const none = await store.settle(settleInput('req_k3', 100));
        assert.equal(kept.credential, 'eu-1');
        assert.equal(moved.credential, 'eu-2');
        assert.equal(none.credential, null);
        assert.equal((await store.ledgerRow('req_k1', 1))?.credential, 'eu-1');
        assert.equal((await store.ledgerRow('req_k2', 1))?.credential, 'eu-2');
        assert.equal((await store.ledgerRow('req_k3', 1))?.credential, null);
      });

      it('settling twice is a no-op that returns the first settlement', async () => {
        const account = await store.createAccount({ name: 'a', creditsMicros: 10_000 });
        await store.hold(holdInput(account.id, 'req_1', 4_000));
        const first = await store.settle(settleInput('req_1', 1_000));
        clock.advance(1000);
        const second = await store.settle(
          settleInput('req_1', 3_000, { terminalState: 'upstream_error', status: 502 }),
        );
        assert.deepEqual(second, first);
        assert.equal((await store.getAccount(account.id))?.balanceMicros, 9_000);
      });

      it('clamps a cost above the hold to the hold and flags the row for review', async () => {
        const account = await store.createAccount({ name: 'a', creditsMicros: 10_000 });
        await store.hold(holdInput(account.id, 'req_1', 4_000));
        const row = await store.settle(settleInput('req_1', 9_999, { usageEstimated: true }));
        assert.equal(row.costMicros, 4_000);
        assert.equal(row.needsReview, true);
        assert.equal(row.usageEstimated, true);
        const after = await store.getAccount(account.id);
        assert.equal(after?.balanceMicros, 6_000);
        assert.equal(after?.heldMicros, 0);
      });

      it('settles a zero cost (an unbilled upstream error) by releasing everything', async () => {
        const account = await store.createAccount({ name: 'a', creditsMicros: 10_000 });
        await store.hold(holdInput(account.id, 'req_1', 4_000));
        const row = await store.settle(
          settleInput('req_1', 0, {
            terminalState: 'upstream_error',
            status: 503,
            errorCode: 'upstream_unavailable',
            tokens: { prompt: 0, cachedPrompt: 0, completion: 0, reasoning: 0, total: 0 },
            ttftMs: null,
          }),
        );
        assert.equal(row.costMicros, 0);
        assert.equal(row.errorCode, 'upstream_unavailable');
        assert.equal(row.ttftMs, null);
        assert.equal((await store.getAccount(account.id))?.balanceMicros, 10_000);
      });

      it('refuses a hold the balance cannot cover, writing nothing', async () => {
        const account = await store.createAccount({ name: 'a', creditsMicros: 3_000 });
        assert.deepEqual(await store.hold(holdInput(account.id, 'req_1', 3_001)), {
          ok: false,
          balanceMicros: 3_000,
        });
        assert.equal(await store.ledgerRow('req_1', 1), undefined);
        assert.deepEqual(await store.getAccount(account.id), account);
        assert.deepEqual(await store.hold(holdInput('acct_missing', 'req_2', 1)), {
          ok: false,
          balanceMicros: 0,
        });
        assert.equal(await store.ledgerRow('req_2', 1), undefined);
        // The exact balance can be held.
        assert.deepEqual(await store.hold(holdInput(account.id, 'req_3', 3_000)), { ok: true });
        assert.equal((await store.getAccount(account.id))?.balanceMicros, 0);
      });

      it('keeps one row per (request, attempt): a duplicate hold fails and changes nothing', async () => {
        const account = await store.createAccount({ name: 'a', creditsMicros: 10_000 });
        await store.hold(holdInput(account.id, 'req_1', 1_000));
        await assert.rejects(store.hold(holdInput(account.id, 'req_1', 1_000)), DuplicateHoldError);
        const after = await store.getAccount(account.id);
        assert.equal(after?.balanceMicros, 9_000);
        assert.equal(after?.heldMicros, 1_000);
        // A second attempt of the same request is its own row.
        assert.deepEqual(await store.hold(holdInput(account.id, 'req_1', 1_000, { attempt: 2 })), {
          ok: true,
        });
        assert.equal((await store.openHolds(account.id)).length, 2);
      });

      it('rejects invalid amounts and unknown settlements', async () => {
        const account = await store.createAccount({ name: 'a', creditsMicros: 10_000 });
        await assert.rejects(store.hold(holdInput(account.id, 'req_1', -5)), InvalidAmountError);
        await assert.rejects(store.hold(holdInput(account.id, 'req_1', 0.5)), InvalidAmountError);
        await assert.rejects(store.settle(settleInput('req_missing', 1)), HoldNotFoundError);
        assert.equal((await store.getAccount(account.id))?.balanceMicros, 10_000);
      });

      it('admits exactly one of 200 concurrent holds when the balance covers 1.5 of them', async () => {
        const holdMicros = 200_000;
        const account = await store.createAccount({ name: 'race', creditsMicros: holdMicros * 1.5 });
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, index) =>
            store.hold(holdInput(account.id, `req_race_${index}`, holdMicros)),
          ),
        );
        assert.equal(results.filter((result) => result.ok).length, 1);
        for (const result of results) if (!result.ok) assert.equal(result.balanceMicros, holdMicros / 2);
        const after = await store.getAccount(account.id);
        assert.equal(after?.balanceMicros, holdMicros / 2);
        assert.equal(after?.heldMicros, holdMicros);
        assert.equal((await store.ledger({ accountId: account.id })).length, 1);
      });

      it('never lets the balance go negative under interleaved holds and settles', async () => {
        const account = await store.createAccount({ name: 'mix', creditsMicros: 50_000 });
        const outcomes = await Promise.all(
          Array.from({ length: 100 }, async (_, index) => {
            const requestId = `req_mix_${index}`;
            const held = await store.hold(holdInput(account.id, requestId, 1_000 + (index % 7) * 500));
            if (!held.ok) return 0;
            const row = await store.settle(settleInput(requestId, (index * 379) % 4_000));
            return row.costMicros;
          }),
        );
        const charged = outcomes.reduce((sum, cost) => sum + cost, 0);
        const after = await store.getAccount(account.id);
        assert.ok((after?.balanceMicros ?? -1) >= 0);
        assert.equal(after?.heldMicros, 0);
        assert.equal((after?.balanceMicros ?? 0) + charged, 50_000);
      });
    });

    describe('recovery', () => {
      it('settles holds of dead processes at the held amount, flagged, and leaves live ones', async () => {
        const account = await store.createAccount({ name: 'a', creditsMicros: 100_000 });
        await store.hold(holdInput(account.id, 'req_dead_1', 10_000, { processId: 'dead' }));
        await store.hold(holdInput(account.id, 'req_dead_2', 5_000, { processId: 'dead', attempt: 2 }));
        await store.hold(holdInput(account.id, 'req_live', 7_000, { processId: 'live' }));
        await store.hold(holdInput(account.id, 'req_done', 3_000, { processId: 'dead' }));
        await store.settle(settleInput('req_done', 1_000));
        clock.advance(HOUR);
        const recovered = await store.recoverStaleHolds(['live']);
        assert.deepEqual(recovered.map((row) => row.requestId).sort(), ['req_dead_1', 'req_dead_2']);
        for (const row of recovered) {
          assert.equal(row.state, 'settled');
          assert.equal(row.terminalState, 'recovered');
          assert.equal(row.needsReview, true);
          assert.equal(row.costMicros, row.heldMicros);
          assert.equal(row.settledAt, clock.iso());
        }
        const after = await store.getAccount(account.id);
        assert.equal(after?.heldMicros, 7_000);
        assert.equal(after?.balanceMicros, 100_000 - 10_000 - 5_000 - 7_000 - 1_000);
        assert.deepEqual(
          (await store.openHolds()).map((row) => row.requestId),
          ['req_live'],
        );
        assert.equal((await store.ledgerRow('req_done', 1))?.terminalState, 'ok');
        assert.deepEqual(await store.recoverStaleHolds(['live']), []);
        // Recovered rows are ordinary usage: start balance = balance + held + Σ costs.
        const [total] = await store.usageSummary({ accountId: account.id });
        assert.equal(
          (after?.balanceMicros ?? 0) + (after?.heldMicros ?? 0) + (total?.costMicros ?? 0),
          100_000,
        );
      });
    });

    describe('credits', () => {
      it('tops up and corrects, recording the balance after each entry', async () => {
        const account = await store.createAccount({ name: 'a', creditsMicros: 1_000 });
        const topUp = await store.credit({
          accountId: account.id,
          amountMicros: 4_000,
          actor: 'admin',
          note: 'invoice 7',
        });
        assert.equal(topUp.replayed, false);
        assert.match(topUp.entry.id, /^cred_/);
        assert.equal(topUp.entry.balanceAfterMicros, 5_000);
        assert.equal(topUp.entry.note, 'invoice 7');
        const correction = await store.credit({
          accountId: account.id,
          amountMicros: -2_500,
          actor: 'admin',
        });
        assert.equal(correction.entry.balanceAfterMicros, 2_500);
        assert.equal((await store.getAccount(account.id))?.balanceMicros, 2_500);
        assert.deepEqual(
          (await store.credits(account.id)).map((entry) => entry.amountMicros),
          [1_000, 4_000, -2_500],
        );
        const actions = (await store.auditLog({ target: account.id })).map((entry) => entry.action);
        assert.deepEqual(actions.filter((action) => action === 'account.credit').length, 2);
      });

      it('never takes the spendable balance below zero, open holds included', async () => {
        const account = await store.createAccount({ name: 'a', creditsMicros: 5_000 });
        await store.hold(holdInput(account.id, 'req_1', 3_000));
        await assert.rejects(
          store.credit({ accountId: account.id, amountMicros: -2_001, actor: 'admin' }),
          InsufficientBalanceError,
        );
        const after = await store.getAccount(account.id);
        assert.equal(after?.balanceMicros, 2_000);
        assert.equal((await store.credits(account.id)).length, 1);
        const exact = await store.credit({ accountId: account.id, amountMicros: -2_000, actor: 'admin' });
        assert.equal(exact.entry.balanceAfterMicros, 0);
      });

      it('replays an idempotency key and rejects its reuse for another credit', async () => {
        const account = await store.createAccount({ name: 'a' });
        const other = await store.createAccount({ name: 'b' });
        const input = {
          accountId: account.id,
          amountMicros: 7_000,
          actor: 'admin',
          idempotencyKey: 'idem-1',
        };
        const first = await store.credit(input);
        clock.advance(1000);
        const again = await store.credit(input);
        assert.equal(again.replayed, true);
        assert.deepEqual(again.entry, first.entry);
        assert.equal((await store.getAccount(account.id))?.balanceMicros, 7_000);
        await assert.rejects(store.credit({ ...input, amountMicros: 7_001 }), IdempotencyKeyReusedError);
        await assert.rejects(store.credit({ ...input, accountId: other.id }), IdempotencyKeyReusedError);
        assert.equal((await store.getAccount(other.id))?.balanceMicros, 0);
        assert.equal((await store.credits(account.id)).length, 1);
      });

      it('refuses unknown accounts and non-integer amounts', async () => {
        await assert.rejects(
          store.credit({ accountId: 'acct_missing', amountMicros: 1, actor: 'admin' }),
          AccountNotFoundError,
        );
        const account = await store.createAccount({ name: 'a' });
        await assert.rejects(
          store.credit({ accountId: account.id, amountMicros: 0.25, actor: 'admin' }),
          InvalidAmountError,
        );
      });
    });

    describe('idempotency keys', () => {
      const begin = { scope: 'chat', key: 'k-1', requestHash: 'hash-a', accountId: 'acct_1' };

      it('claims, reports in progress, then replays the stored response', async () => {
        assert.deepEqual(await store.beginIdempotent(begin), { state: 'new' });
        assert.deepEqual(await store.beginIdempotent(begin), { state: 'in_progress' });
        await store.completeIdempotent({ scope: 'chat', key: 'k-1', status: 200, body: '{"id":"x"}' });
        assert.deepEqual(await store.beginIdempotent(begin), {
          state: 'done',
          status: 200,
          body: '{"id":"x"}',
        });
        // Abandon never removes a finished entry.
        await store.abandonIdempotent({ scope: 'chat', key: 'k-1' });
        assert.equal((await store.beginIdempotent(begin)).state, 'done');
      });

      it('reports a mismatch for another body or another account, per scope', async () => {
        await store.beginIdempotent(begin);
        assert.deepEqual(await store.beginIdempotent({ ...begin, requestHash: 'hash-b' }), {
          state: 'mismatch',
        });
        assert.deepEqual(await store.beginIdempotent({ ...begin, accountId: 'acct_2' }), {
          state: 'mismatch',
        });
        assert.deepEqual(await store.beginIdempotent({ ...begin, scope: 'other' }), { state: 'new' });
      });

      it('lets a retry claim the key again after abandon', async () => {
        await store.beginIdempotent(begin);
        await store.abandonIdempotent({ scope: 'chat', key: 'k-1' });
        assert.deepEqual(await store.beginIdempotent(begin), { state: 'new' });
      });

      it('exactly one of many concurrent begins gets the key', async () => {
        const states = await Promise.all(Array.from({ length: 50 }, () => store.beginIdempotent(begin)));
        assert.equal(states.filter((state) => state.state === 'new').length, 1);
        assert.equal(states.filter((state) => state.state === 'in_progress').length, 49);
      });

      it('expires entries after 24 hours and stale claims after an hour', async () => {
        await store.beginIdempotent(begin);
        await store.completeIdempotent({ scope: 'chat', key: 'k-1', status: 200, body: 'first' });
        clock.advance(24 * HOUR - 1);
        assert.equal((await store.beginIdempotent({ ...begin, requestHash: 'other' })).state, 'mismatch');
        clock.advance(1);
        assert.deepEqual(await store.beginIdempotent({ ...begin, requestHash: 'other' }), { state: 'new' });
        clock.advance(HOUR - 1);
        assert.deepEqual(await store.beginIdempotent({ ...begin, requestHash: 'other' }), {
          state: 'in_progress',
        });
        clock.advance(1);
        assert.deepEqual(await store.beginIdempotent({ ...begin, requestHash: 'other' }), { state: 'new' });
      });
    });

    describe('usage', () => {
      async function seed() {
        const account = await store.createAccount({ name: 'a', creditsMicros: 1_000_000 });
        const other = await store.createAccount({ name: 'b', creditsMicros: 1_000_000 });
        const rows: Array<[string, string, string, string, number]> = [
          // day, account, key, model, cost
          ['2026-03-01T10:00:00.000Z', account.id, 'key_a', 'gemini-3-flash', 100],
          ['2026-03-01T23:59:59.999Z', account.id, 'key_a', 'gemini-3.5-flash', 200],
          ['2026-03-02T00:00:00.000Z', account.id, 'key_b', 'gemini-3-flash', 400],
          ['2026-03-03T08:00:00.000Z', other.id, 'key_c', 'gemini-3-flash', 800],
        ];
        let index = 0;
        for (const [time, accountId, keyId, model, cost] of rows) {
          clock.set(time);
          const requestId = `req_u${index++}`;
          await store.hold(holdInput(accountId, requestId, 10_000, { keyId, model }));
          await store.settle(settleInput(requestId, cost));
        }
        // Open holds are not usage yet.
        await store.hold(holdInput(account.id, 'req_open', 10_000));
        return { account, other };
      }

      it('groups settled usage by day, model and key', async () => {
        const { account } = await seed();
        const byDay = await store.usageSummary({ groupBy: 'day' });
        assert.deepEqual(
          byDay.map((row) => [row.group, row.requests, row.costMicros]),
          [
            ['2026-03-01', 2, 300],
            ['2026-03-02', 1, 400],
            ['2026-03-03', 1, 800],
          ],
        );
        const byModel = await store.usageSummary({ groupBy: 'model', accountId: account.id });
        assert.deepEqual(
          byModel.map((row) => [row.group, row.requests, row.costMicros]),
          [
            ['gemini-3-flash', 2, 500],
            ['gemini-3.5-flash', 1, 200],
          ],
        );
        const byKey = await store.usageSummary({ groupBy: 'key' });
        assert.deepEqual(
          byKey.map((row) => row.group),
          ['key_a', 'key_b', 'key_c'],
        );
        const [keyA] = byKey;
        assert.deepEqual(keyA, {
          group: 'key_a',
          requests: 2,
          promptTokens: 200,
          cachedTokens: 40,
          completionTokens: 100,
          reasoningTokens: 20,
          costMicros: 300,
        });
      });

      it('totals without grouping and filters by key, model and time range', async () => {
        const { account } = await seed();
        assert.deepEqual(
          (await store.usageSummary({})).map((row) => [row.group, row.requests, row.costMicros]),
          [['all', 4, 1_500]],
        );
        const ranged = await store.usageSummary({
          accountId: account.id,
          from: '2026-03-01T12:00:00.000Z',
          to: '2026-03-02T00:00:00.001Z',
        });
        assert.equal(ranged[0]?.costMicros, 600);
        assert.equal((await store.usageSummary({ keyId: 'key_b' }))[0]?.costMicros, 400);
        assert.equal((await store.usageSummary({ model: 'gemini-3.5-flash' }))[0]?.costMicros, 200);
        assert.deepEqual(
          (await store.usageSummary({ keyId: 'key_none' })).map((row) => [row.requests, row.costMicros]),
          [[0, 0]],
        );
        assert.deepEqual(await store.usageSummary({ keyId: 'key_none', groupBy: 'day' }), []);
      });

      it('lists ledger rows newest first with filters and a limit', async () => {
        const { account } = await seed();
        const all = await store.ledger({ accountId: account.id });
        assert.deepEqual(
          all.map((row) => row.requestId),
          ['req_open', 'req_u2', 'req_u1', 'req_u0'],
        );
        assert.equal((await store.ledger({ accountId: account.id, limit: 2 })).length, 2);
        assert.deepEqual(
          (await store.ledger({ keyId: 'key_c' })).map((row) => row.requestId),
          ['req_u3'],
        );
        assert.deepEqual(
          (await store.ledger({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z' })).map(
            (row) => row.requestId,
          ),
          ['req_u2'],
        );
      });
    });

    describe('several processes', () => {
      it('keeps the books balanced with 4 processes holding and settling on one database', async (context) => {
        if (!opened.shared) {
          context.skip('this back-end lives in one process');
          return;
        }
        const initial = 6_000_000;
        const account = await store.createAccount({ name: 'multi', creditsMicros: initial });
        const reports = await runMultiProcessRace({
          location: opened.shared,
          accountId: account.id,
          processes: 4,
          iterations: 300,
        });
        for (const report of reports) assert.deepEqual(report.errors, []);
        const after = await store.getAccount(account.id);
        assert.equal(after?.heldMicros, 0);
        assert.deepEqual(await store.openHolds(account.id), []);
        const rows = await store.ledger({ accountId: account.id, limit: 100_000 });
        assert.equal(
          rows.length,
          reports.reduce((sum, report) => sum + report.held, 0),
        );
        const charged = rows.reduce((sum, row) => sum + row.costMicros, 0);
        assert.equal(
          charged,
          reports.reduce((sum, report) => sum + report.charged, 0),
        );
        assert.ok((after?.balanceMicros ?? -1) >= 0);
        assert.equal((after?.balanceMicros ?? 0) + charged, initial);
        assert.ok(
          reports.some((report) => report.refused > 0),
          'the balance ran out during the race',
        );
        if (store.dialect === 'sqlite') {
          const { isSqliteStore } = await import('../../src/store/sqlite/index.ts');
          assert.ok(isSqliteStore(store));
          assert.equal(store.connection.pragma('integrity_check', { simple: true }), 'ok');
        }
      });
    });
  });
}
