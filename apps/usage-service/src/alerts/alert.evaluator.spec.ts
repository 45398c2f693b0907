import { windowsAt } from './alert.evaluator.js';

const iso = (windows: { start: Date; end: Date }[]) => windows.map((w) => [w.start.toISOString(), w.end.toISOString()]);

describe('windowsAt', () => {
  it('answers the aligned window now is in and the one before it', () => {
    expect(iso(windowsAt(new Date('2025-07-01T10:04:59.999Z'), 5))).toEqual([
      ['2025-07-01T09:55:00.000Z', '2025-07-01T10:00:00.000Z'],
      ['2025-07-01T10:00:00.000Z', '2025-07-01T10:05:00.000Z'],
    ]);
  });

  it('starts a new window exactly on its boundary', () => {
    expect(iso(windowsAt(new Date('2025-07-01T10:05:00.000Z'), 5))[1]).toEqual(['2025-07-01T10:05:00.000Z', '2025-07-01T10:10:00.000Z']);
  });

  it('aligns day-long windows to UTC midnight', () => {
    expect(iso(windowsAt(new Date('2025-07-01T18:30:00Z'), 1440))).toEqual([
      ['2025-06-30T00:00:00.000Z', '2025-07-01T00:00:00.000Z'],
      ['2025-07-01T00:00:00.000Z', '2025-07-02T00:00:00.000Z'],
    ]);
  });
});
