import { createHmac } from 'node:crypto';
import { formatWebhookSecret, newWebhookKey, signWebhookPayload } from './webhook-signature.js';

describe('webhook signatures (Standard Webhooks v1)', () => {
  // The spec's own example secret; the expected value is computed here apart from the code under test.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const msgId = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';

  it('signs "<id>.<timestamp>.<body>" with HMAC-SHA256 keyed by the decoded secret', () => {
    const expected = createHmac('sha256', key).update(`${msgId}.${timestamp}.${body}`).digest('base64');
    expect(signWebhookPayload(key, msgId, timestamp, body)).toBe(`v1,${expected}`);
  });

  it('matches the published test vector', () => {
    expect(signWebhookPayload(key, msgId, timestamp, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('changes with any part of the message', () => {
    const base = signWebhookPayload(key, msgId, timestamp, body);
    expect(signWebhookPayload(key, `${msgId}x`, timestamp, body)).not.toBe(base);
    expect(signWebhookPayload(key, msgId, timestamp + 1, body)).not.toBe(base);
    expect(signWebhookPayload(key, msgId, timestamp, `${body} `)).not.toBe(base);
  });

  it('formats a fresh key as whsec_<base64> that decodes back to it', () => {
    const fresh = newWebhookKey();
    const formatted = formatWebhookSecret(fresh);
    expect(formatted).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(formatted.slice(6), 'base64').equals(fresh)).toBe(true);
  });
});
