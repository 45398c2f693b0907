import { fail, ok, type Result } from '@switchboard/contracts';
import { formatCidr, parseCidr, type CidrRange } from './cidr.range.js';

/**
 * One SWITCHBOARD_EGRESS_ALLOW entry, `[<tenantId>@]<CIDR>[:<port>]`: `10.0.0.0/8` (every tenant,
 * every port), `10.0.0.0/8:8000`, `ten_x@10.1.2.3/32`, `ten_x@[fd00::/8]:8000`. An IPv6 range takes a
 * port only inside brackets; an unbracketed IPv6 entry never has one (`fd00::1:8000` is an address).
 */
export interface AllowEntry {
  readonly range: CidrRange;
  /** Absent: the entry applies to every tenant. */
  readonly tenantId?: string;
  /** Absent: the entry applies to every port. */
  readonly port?: number;
}

/** The id shape of @switchboard/contracts (`Id`). */
const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BRACKETED = /^\[([^\]]*)\](?::(.*))?$/;
const PORT = /^\d{1,5}$/;

export function parseAllowEntry(text: string): Result<AllowEntry, string> {
  const at = text.indexOf('@');
  const tenantId = at === -1 ? undefined : text.slice(0, at);
  if (tenantId !== undefined && !TENANT_ID.test(tenantId)) return fail(`"${text}": "${tenantId}" is not a tenant id`);
  const destination = splitPort(at === -1 ? text : text.slice(at + 1));
  if (!destination.ok) return fail(`"${text}": ${destination.error}`);
  const { cidrText, portText, bracketed } = destination.value;
  const range = parseCidr(cidrText);
  // A plain CIDR keeps the message it always had; a longer entry is named whole.
  if (!range.ok) return fail(cidrText === text ? range.error : `in "${text}": ${range.error}`);
  if (bracketed && range.value.network.family !== 6) return fail(`"${text}": brackets are for IPv6 ranges; write ${cidrText}:${portText ?? '<port>'}`);
  let port: number | undefined;
  if (portText !== undefined) {
    if (!PORT.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return fail(`"${text}": port must be 1-65535, not "${portText}"`);
    port = Number(portText);
  }
  return ok({ range: range.value, ...(tenantId === undefined ? {} : { tenantId }), ...(port === undefined ? {} : { port }) });
}

export function formatAllowEntry(entry: AllowEntry): string {
  const cidr = formatCidr(entry.range);
  const destination = entry.port === undefined ? cidr : `${entry.range.network.family === 6 ? `[${cidr}]` : cidr}:${entry.port}`;
  return entry.tenantId === undefined ? destination : `${entry.tenantId}@${destination}`;
}

function splitPort(text: string): Result<{ cidrText: string; portText?: string; bracketed: boolean }, string> {
  if (text.startsWith('[')) {
    const match = BRACKETED.exec(text);
    if (match === null) return fail('expected [<IPv6 CIDR>]:<port>');
    const [, cidrText = '', portText] = match;
    return ok({ cidrText, bracketed: true, ...(portText === undefined ? {} : { portText }) });
  }
  const colons = text.split(':').length - 1;
  if (colons === 0) return ok({ cidrText: text, bracketed: false });
  if (colons === 1) {
    const [cidrText = '', portText = ''] = text.split(':');
    return ok({ cidrText, portText, bracketed: false });
  }
  // IPv6. A port after the prefix is the one ambiguity worth naming.
  if (/\/[^:]*:/.test(text)) return fail(`an IPv6 range with a port is written in brackets, e.g. [${text.slice(0, text.lastIndexOf(':'))}]:${text.slice(text.lastIndexOf(':') + 1)}`);
  return ok({ cidrText: text, bracketed: false });
}
