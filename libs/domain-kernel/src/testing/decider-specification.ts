import type { AppError, ErrorCode } from '@switchboard/contracts';
import type { Decider, Event } from '../decider.js';

/**
 * given(events) → when(command) → then(events) | thenFails(code), against the pure decider only.
 * Spec-only (excluded from the build): it relies on Jest's global `expect`.
 */
export function specificationFor<C, E extends Event<string, object>, S>(decider: Decider<C, E, S>) {
  return {
    given: (events: readonly E[]) => ({
      when: (command: C) => {
        const state = events.reduce(decider.evolve, decider.initialState);
        const result = decider.decide(command, state);
        return {
          then(expected: readonly E[]) {
            expect(result).toEqual({ ok: true, value: expected });
          },
          thenFails(code: ErrorCode, details?: AppError['details']) {
            expect(result.ok).toBe(false);
            if (result.ok) return;
            expect(result.error.code).toBe(code);
            if (details !== undefined) expect(result.error.details).toEqual(details);
          },
        };
      },
    }),
  };
}
