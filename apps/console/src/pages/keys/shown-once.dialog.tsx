import { useState } from 'react';
import { Button, ConfirmDialog } from '../../ui';

interface ShownOnceProps {
  readonly title: string;
  /** What the value is, e.g. "Access key" or "Signing secret". */
  readonly label: string;
  /** The value; the dialog is open while it is not null. The caller forgets it on done. */
  readonly value: string | null;
  readonly onDone: () => void;
}

/** A value the API shows only once (a new key, a webhook's secret): shown here, with a copy button, until Done. */
export function ShownOnceDialog({ title, label, value, onDone }: ShownOnceProps) {
  const [copied, setCopied] = useState<string | null>(null);
  async function copy() {
    if (value === null) return;
    try {
      await navigator.clipboard.writeText(value);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('The browser refused the clipboard: select the value and copy it.');
    }
  }
  const done = () => {
    setCopied(null);
    onDone();
  };
  return (
    <ConfirmDialog open={value !== null} title={title} confirmLabel="Done" canConfirm={false} cancelLabel="Done" onConfirm={done} onCancel={done}>
      <p>This is the only time it is shown: copy it now and keep it somewhere safe.</p>
      <p className="shown-once-label">{label}</p>
      <code className="secret-value">{value}</code>
      <div className="form-actions shown-once-actions">
        <Button variant="primary" onClick={() => void copy()}>
          Copy
        </Button>
        {copied ? <span role="status">{copied}</span> : null}
      </div>
    </ConfirmDialog>
  );
}
