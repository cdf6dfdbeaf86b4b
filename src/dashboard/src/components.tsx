import { useState, type ReactNode } from 'react';

export function Card(props: { label: string; value: ReactNode; testId?: string }) {
  return (
    <div className="card" data-testid={props.testId}>
      <div className="card-label">{props.label}</div>
      <div className="card-value">{props.value}</div>
    </div>
  );
}

export function ErrorText(props: { error: string | undefined }) {
  return props.error ? (
    <p className="error" role="alert">
      {props.error}
    </p>
  ) : null;
}

/** A key shown exactly once: the dialog closes only after "I copied it". */
export function KeyOnceModal(props: { secret: string; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="key-once-title">
        <h2 id="key-once-title">Your new key</h2>
        <p>This is the only time the full key is shown. Store it somewhere safe now.</p>
        <code className="secret" data-testid="new-key">
          {props.secret}
        </code>
        <div className="row">
          <button
            type="button"
            onClick={() => void navigator.clipboard?.writeText(props.secret).catch(() => undefined)}
          >
            Copy
          </button>
          <label>
            <input type="checkbox" checked={copied} onChange={(event) => setCopied(event.target.checked)} /> I
            copied it
          </label>
          <button type="button" className="primary" disabled={!copied} onClick={props.onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}

export function Table(props: { head: string[]; children: ReactNode; testId?: string }) {
  return (
    <div className="table-wrap">
      <table data-testid={props.testId}>
        <thead>
          <tr>
            {props.head.map((name) => (
              <th key={name}>{name}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
