import { EventEmitter } from 'node:events';
import { ROOT_CONTEXT, createContextKey } from '@opentelemetry/api';
import { AsyncLocalStorageContext } from './context.manager.js';

const KEY = createContextKey('spec');

describe('AsyncLocalStorageContext', () => {
  const manager = new AsyncLocalStorageContext().enable();
  const ctx = ROOT_CONTEXT.setValue(KEY, 'call-1');

  it('is the root context outside any with()', () => {
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('keeps the context across awaits and timers inside with(), and restores the outer one after', async () => {
    const seen = await manager.with(ctx, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return manager.active().getValue(KEY);
    });
    expect(seen).toBe('call-1');
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('passes thisArg and the arguments to the function', () => {
    const target = { prefix: 'p-' };
    const result = manager.with(ctx, function (this: { prefix: string }, a: string) { return this.prefix + a; }, target, 'x');
    expect(result).toBe('p-x');
  });

  it('binds a function to the context it was bound with, whatever is active when it runs', () => {
    const bound = manager.bind(ctx, (n: number) => [manager.active().getValue(KEY), n] as const);
    const other = ROOT_CONTEXT.setValue(KEY, 'call-2');
    expect(manager.with(other, () => bound(7))).toEqual(['call-1', 7]);
    expect(bound.length).toBe(1);
  });

  it('returns what is not a function as it is', () => {
    const emitter = new EventEmitter();
    expect(manager.bind(ctx, emitter)).toBe(emitter);
  });
});
