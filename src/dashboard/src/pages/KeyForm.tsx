/** Create or edit a key: name, model allow-list, RPM, TPM and expiry (and, for customers, step-up). */
import { useState, type FormEvent } from 'react';
import type { KeyRow } from './Keys.tsx';

export type KeyFormValues = Record<string, string | number | string[] | null | undefined>;

export function KeyForm(props: {
  role: 'admin' | 'account';
  models: string[];
  accounts: Array<{ id: string; name: string }>;
  defaultAccountId?: string;
  editing?: KeyRow;
  onSubmit: (values: KeyFormValues) => void;
  onCancel?: () => void;
}) {
  const editing = props.editing;
  const [accountId, setAccountId] = useState(props.defaultAccountId ?? '');
  const [name, setName] = useState(editing?.name ?? '');
  const [allowed, setAllowed] = useState<string[]>(editing?.models ?? []);
  const [rpm, setRpm] = useState(editing?.rpm ? String(editing.rpm) : '');
  const [tpm, setTpm] = useState(editing?.tpm ? String(editing.tpm) : '');
  const [expires, setExpires] = useState('');
  const [current, setCurrent] = useState('');
  const admin = props.role === 'admin';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const values: KeyFormValues = { name: name || null };
    if (admin || !editing) {
      values.models = allowed.length ? allowed : null;
      values.rpm = rpm ? Number(rpm) : null;
      values.tpm = tpm ? Number(tpm) : null;
      if (expires) values.expires_at = new Date(expires).toISOString();
    }
    if (!editing && admin) values.account_id = accountId;
    if (!editing && !admin) {
      values.current_key = current;
      setCurrent('');
    }
    if (!admin && editing) {
      props.onSubmit({ name: name || null });
      return;
    }
    props.onSubmit(values);
  };
  const toggle = (model: string) =>
    setAllowed((list) => (list.includes(model) ? list.filter((entry) => entry !== model) : [...list, model]));
  const customerEdit = !admin && editing;

  return (
    <form className="key-form" onSubmit={submit} aria-label={editing ? 'Edit key' : 'Create key'}>
      <h2>{editing ? `Edit ${editing.prefix}…` : 'Create a key'}</h2>
      {admin && !editing ? (
        <label>
          Account
          <select
            name="key-account"
            value={accountId}
            onChange={(event) => setAccountId(event.target.value)}
            required
          >
            <option value="">Choose…</option>
            {props.accounts.map((account) => (
              <option key={account.id} value={account.id}>
                {account.name} ({account.id})
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label>
        Name <input name="key-name" value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      {customerEdit ? null : (
        <>
          <fieldset>
            <legend>Models (none ticked = every model{admin ? '' : ' your key allows'})</legend>
            {props.models.map((model) => (
              <label key={model} className="check">
                <input
                  type="checkbox"
                  name={`model-${model}`}
                  checked={allowed.includes(model)}
                  onChange={() => toggle(model)}
                />{' '}
                {model}
              </label>
            ))}
          </fieldset>
          <label>
            RPM{' '}
            <input
              name="key-rpm"
              type="number"
              min="1"
              value={rpm}
              onChange={(event) => setRpm(event.target.value)}
            />
          </label>
          <label>
            TPM{' '}
            <input
              name="key-tpm"
              type="number"
              min="1"
              value={tpm}
              onChange={(event) => setTpm(event.target.value)}
            />
          </label>
          <label>
            Expires (your local time){' '}
            <input
              name="key-expires"
              type="datetime-local"
              value={expires}
              onChange={(event) => setExpires(event.target.value)}
            />
          </label>
        </>
      )}
      {!admin && !editing ? (
        <label>
          Re-enter the key you signed in with{' '}
          <input
            name="current-key"
            type="password"
            autoComplete="off"
            value={current}
            onChange={(event) => setCurrent(event.target.value)}
            required
          />
        </label>
      ) : null}
      <div className="row">
        <button type="submit" className="primary">
          {editing ? 'Save' : 'Create key'}
        </button>
        {props.onCancel ? (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
