import type { ProviderView } from './provider.types';
import { formatDateTime } from '../../ui';

const STATE_TEXT: Readonly<Record<ProviderView['credentialStatus']['state'], string>> = {
  unchecked: 'not checked yet',
  valid: 'valid',
  rejected: 'rejected by the upstream',
  unreachable: 'upstream unreachable',
};

/** The masked key (its last characters at most) and what the upstream last said of it. */
export function CredentialSummary({ provider, detailed = false }: { readonly provider: ProviderView; readonly detailed?: boolean }) {
  const { credential, credentialStatus } = provider;
  if (credential === null) return <span className="muted">no credential</span>;
  const masked = provider.authMethod === 'custom_headers' ? 'custom headers' : credential.hint ?? '••••';
  return (
    <span>
      <code>{masked}</code> · <span className={`status status-${credentialStatus.state}`}>{STATE_TEXT[credentialStatus.state]}</span>
      {detailed && credentialStatus.checkedAt ? <span> (checked {formatDateTime(credentialStatus.checkedAt)})</span> : null}
      {detailed && credentialStatus.detail ? <span> — {credentialStatus.detail}</span> : null}
    </span>
  );
}
