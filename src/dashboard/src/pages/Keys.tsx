/**
 * Keys for both roles. The list never holds a full key (prefix only); a new or rotated key is shown
 * once in a dialog. Operators edit limits, disable, rotate and delete; customers create within their
 * own key's limits (re-entering it), rename, disable and delete.
 */
import { useState } from 'react';
import { api, query } from '../api.ts';
import { ErrorText, KeyOnceModal, Table } from '../components.tsx';
import { dateTime, usd } from '../format.ts';
import { useApi } from '../hooks.ts';
import { useLocation } from '../router.tsx';
import { KeyForm, type KeyFormValues } from './KeyForm.tsx';

export interface KeyRow {
  id: string;
  account_id: string;
  name: string | null;
  prefix: string;
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  spend_usd?: number;
}
interface Activity {
  key_id: string;
  last_used_at: string | null;
  spend_usd: number;
}

/** A key's state as of now (read at render, so an expiry shows as soon as the page draws again). */
export function keyStatus(key: Pick<KeyRow, 'revoked_at' | 'expires_at'>): string {
  if (key.revoked_at) return 'deleted';
  if (key.expires_at && Date.parse(key.expires_at) <= Date.now()) return 'disabled / expired';
  return 'active';
}

export function Keys(props: { role: 'admin' | 'account' }) {
  const admin = props.role === 'admin';
  const { search } = useLocation();
  const accountId = admin ? (search.get('account_id') ?? '') : '';
  const keys = useApi<{ data: KeyRow[] }>(
    admin ? '/admin/keys' + query({ account_id: accountId }) : '/account/keys',
  );
  const activity = useApi<{ data: Activity[] }>(admin ? '/admin/keys/activity' : null);
  const accounts = useApi<{ data: Array<{ id: string; name: string }> }>(admin ? '/admin/accounts' : null);
  const models = useApi<{ data: Array<{ id: string }> }>(admin ? '/admin/models' : '/account/models');
  const [secret, setSecret] = useState<string>();
  const [error, setError] = useState<string>();
  const [editing, setEditing] = useState<KeyRow>();
  const base = admin ? '/admin/keys' : '/account/keys';

  const act = async (work: () => Promise<unknown>) => {
    try {
      setError(undefined);
      await work();
      keys.reload();
    } catch (caught) {
      setError((caught as Error).message);
    }
  };
  const create = (values: KeyFormValues) =>
    act(async () => {
      const created = await api.post<{ key: string }>(base, values);
      setSecret(created.key);
    });
  const activityOf = new Map(activity.data?.data.map((entry) => [entry.key_id, entry]));
  const rows = keys.data?.data ?? [];

  return (
    <section>
      <h1>Keys</h1>
      <ErrorText error={error ?? keys.error} />
      <KeyForm
        role={props.role}
        models={models.data?.data.map((model) => model.id) ?? []}
        accounts={accounts.data?.data ?? []}
        defaultAccountId={accountId}
        onSubmit={(values) => void create(values)}
      />
      {editing ? (
        <KeyForm
          role={props.role}
          editing={editing}
          models={models.data?.data.map((model) => model.id) ?? []}
          accounts={[]}
          onCancel={() => setEditing(undefined)}
          onSubmit={(values) =>
            void act(() => api.patch(`${base}/${encodeURIComponent(editing.id)}`, values)).then(() =>
              setEditing(undefined),
            )
          }
        />
      ) : null}
      <Table
        head={[
          'Key',
          'Name',
          admin ? 'Account' : 'Models',
          'Limits',
          'Expires',
          'Status',
          'Last used',
          'Spend',
          '',
        ]}
        testId="keys-table"
      >
        {rows.map((key) => {
          const used = activityOf.get(key.id);
          const live = !key.revoked_at;
          const disabled = keyStatus(key) !== 'active';
          return (
            <tr key={key.id} data-key-id={key.id}>
              <td>
                <code>{key.prefix}…</code>
              </td>
              <td>{key.name ?? ''}</td>
              <td>{admin ? key.account_id : (key.models?.join(', ') ?? 'all')}</td>
              <td>
                {admin ? `${key.models?.join(', ') ?? 'all models'} · ` : ''}
                RPM {key.rpm ?? '∞'} · TPM {key.tpm ?? '∞'}
              </td>
              <td>{dateTime(key.expires_at)}</td>
              <td>{keyStatus(key)}</td>
              <td>{dateTime(used?.last_used_at ?? key.last_used_at)}</td>
              <td>{usd(used?.spend_usd ?? key.spend_usd ?? 0)}</td>
              <td className="actions">
                {live ? (
                  <>
                    <button type="button" onClick={() => setEditing(key)}>
                      Edit
                    </button>
                    <button
                      type="button"
                      onClick={() =>
                        void act(() =>
                          admin
                            ? api.patch(`${base}/${encodeURIComponent(key.id)}`, {
                                expires_at: disabled ? null : new Date().toISOString(),
                              })
                            : api.patch(`${base}/${encodeURIComponent(key.id)}`, { disabled: !disabled }),
                        )
                      }
                    >
                      {disabled ? 'Enable' : 'Disable'}
                    </button>
                    {admin ? (
                      <button
                        type="button"
                        onClick={() =>
                          void act(async () =>
                            setSecret(
                              (
                                await api.post<{ key: string }>(
                                  `${base}/${encodeURIComponent(key.id)}/rotate`,
                                )
                              ).key,
                            ),
                          )
                        }
                      >
                        Rotate
                      </button>
                    ) : null}
                    <button
                      type="button"
                      className="danger"
                      onClick={() =>
                        window.confirm('Delete this key? Calls with it will fail.') &&
                        void act(() => api.delete(`${base}/${encodeURIComponent(key.id)}`))
                      }
                    >
                      Delete
                    </button>
                  </>
                ) : null}
              </td>
            </tr>
          );
        })}
      </Table>
      {secret ? <KeyOnceModal secret={secret} onClose={() => setSecret(undefined)} /> : null}
    </section>
  );
}
