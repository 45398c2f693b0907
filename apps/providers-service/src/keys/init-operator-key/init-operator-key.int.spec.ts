import { ProvidersOps } from '@switchboard/contracts';
import { errorCode, newKeyHash, startTestStack, value, type TestStack } from '../../../test/service.harness.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack(1);
});

afterAll(async () => {
  await stack?.stop();
});

const operatorOf = async (keyHash: string) => (await stack.bus.send(ProvidersOps.resolveKey, { keyHash })).ok;

describe('operator.init', () => {
  it('is the gateway’s alone: another service’s token changes nothing', async () => {
    const keyHash = newKeyHash();
    expect(errorCode(await stack.busAs('usage').send(ProvidersOps.initOperatorKey, { keyHash }))).toBe('caller_refused');
    expect(errorCode(await stack.busAs('credentials').send(ProvidersOps.initOperatorKey, { keyHash }))).toBe('caller_refused');
    expect(await operatorOf(keyHash)).toBe(false);
  });

  it('takes a key from the environment over a generated one, and then refuses generated keys for good', async () => {
    // created: the refused calls above left the slot empty.
    const generated = newKeyHash();
    expect(value(await stack.bus.send(ProvidersOps.initOperatorKey, { keyHash: generated }))).toEqual({ created: true });

    const fromEnv = newKeyHash();
    expect(value(await stack.bus.send(ProvidersOps.initOperatorKey, { keyHash: fromEnv, source: 'environment' }))).toEqual({ created: true });
    expect(await operatorOf(fromEnv)).toBe(true);
    expect(await operatorOf(generated)).toBe(false);

    // A gateway replica started without SWITCHBOARD_OPERATOR_KEY cannot add an operator of its own.
    const stray = newKeyHash();
    expect(errorCode(await stack.bus.send(ProvidersOps.initOperatorKey, { keyHash: stray }))).toBe('forbidden');
    expect(await operatorOf(stray)).toBe(false);

    // Every replica records the same environment key at start: nothing changes.
    expect(value(await stack.bus.send(ProvidersOps.initOperatorKey, { keyHash: fromEnv, source: 'environment' }))).toEqual({ created: false });
    // A new SWITCHBOARD_OPERATOR_KEY replaces the old one.
    const rotated = newKeyHash();
    expect(value(await stack.bus.send(ProvidersOps.initOperatorKey, { keyHash: rotated, source: 'environment' }))).toEqual({ created: true });
    expect(await operatorOf(rotated)).toBe(true);
    expect(await operatorOf(fromEnv)).toBe(false);
  });
});
