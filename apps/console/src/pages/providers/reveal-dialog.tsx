import { useState } from 'react';
import { ApiError, api } from '../../api/client';
import { ConfirmDialog } from '../../ui';

type Step = { readonly kind: 'confirm' } | { readonly kind: 'busy' } | { readonly kind: 'shown'; readonly value: string } | { readonly kind: 'refused'; readonly message: string };

/**
 * Asks first, says the reveal is audited, then shows the value in the dialog only. The value lives in this
 * component's state until the dialog closes: never in the query cache, storage or the URL.
 */
export function RevealDialog({ secretId, providerName, onClose }: { readonly secretId: string; readonly providerName: string; readonly onClose: () => void }) {
  const [step, setStep] = useState<Step>({ kind: 'confirm' });

  async function reveal() {
    setStep({ kind: 'busy' });
    try {
      const answer = await api.post<{ value: string }>(`/v1/secrets/${encodeURIComponent(secretId)}/reveal`);
      setStep({ kind: 'shown', value: answer.body.value });
    } catch (error) {
      const refused = error instanceof ApiError && error.status === 403;
      setStep({ kind: 'refused', message: refused ? `Refused: ${error.message}. Only an admin key may reveal a key.` : error instanceof Error ? error.message : String(error) });
    }
  }

  const close = () => {
    setStep({ kind: 'confirm' });
    onClose();
  };
  return (
    <ConfirmDialog
      open
      title={`Reveal the API key of ${providerName}?`}
      confirmLabel="Reveal"
      onConfirm={() => void reveal()}
      onCancel={close}
      busy={step.kind === 'busy'}
      canConfirm={step.kind === 'confirm' || step.kind === 'busy'}
      cancelLabel={step.kind === 'shown' || step.kind === 'refused' ? 'Close' : 'Cancel'}
    >
      {step.kind === 'shown' ? (
        <>
          <p>The key, as stored. Copy it now; it is hidden again when this dialog closes.</p>
          <code className="secret-value" aria-label="Revealed API key">
            {step.value}
          </code>
        </>
      ) : step.kind === 'refused' ? (
        <p className="form-error" role="alert">
          {step.message}
        </p>
      ) : (
        <p>
          Revealing is audited: it is recorded as an event with your key and the time. Only admins may reveal keys.
        </p>
      )}
    </ConfirmDialog>
  );
}
