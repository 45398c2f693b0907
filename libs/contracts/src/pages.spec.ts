import { z } from 'zod';
import { cutPage, decodeCursor, encodeCursor, PAGE_MAX_BYTES, TimeIdSortKey } from './pages.js';

const KEY = ['2025-07-01T10:04:00.123456Z', 'prv_0123456789abcdefghjk'] as const;

describe('page cursors', () => {
  it('carry a list’s sort key and come back as it, and nothing without a cursor', () => {
    const cursor = encodeCursor('providers', KEY);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 'providers', TimeIdSortKey)).toEqual({ ok: true, value: [...KEY] });
    expect(decodeCursor(undefined, 'providers', TimeIdSortKey)).toEqual({ ok: true, value: null });
  });

  it.each([
    ['another list’s', encodeCursor('agents', KEY)],
    ['a damaged', encodeCursor('providers', KEY).slice(0, -3)],
    ['a made-up', 'AAAA'],
    ['a non-base64url', 'a+b/c='],
    ['an impossible instant in a', encodeCursor('providers', ['2025-02-30T10:04:00.123456Z', KEY[1]])],
    ['a millisecond instant in a', encodeCursor('providers', ['2025-07-01T10:04:00.123Z', KEY[1]])],
    ['an id with SQL in a', encodeCursor('providers', [KEY[0], "x' OR 1=1 --"])],
    ['an extra field in a', encodeCursor('providers', [...KEY, 1])],
    ['an overlong', 'A'.repeat(513)],
  ])('refuse %s cursor with validation_failed', (_label, cursor) => {
    const decoded = decodeCursor(cursor, 'providers', TimeIdSortKey);
    expect(decoded).toMatchObject({ ok: false, error: { code: 'validation_failed', message: expect.stringMatching(/^cursor: /) } });
  });

  it('decode any key schema a list uses', () => {
    const Version = z.tuple([z.number().int().min(0)]);
    expect(decodeCursor(encodeCursor('history', [7]), 'history', Version)).toEqual({ ok: true, value: [7] });
    expect(decodeCursor(encodeCursor('history', [-1]), 'history', Version).ok).toBe(false);
  });
});

describe('cutPage', () => {
  const rows = (n: number, size = 10) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, text: 'x'.repeat(size) }));
  const cursorOf = (row: { id: string }) => `after-${row.id}`;

  it('answers at most `limit` items, with a cursor after the last one only when a row is left', () => {
    expect(cutPage(rows(3), 2, (r) => r.id, cursorOf)).toEqual({ data: ['r0', 'r1'], nextCursor: 'after-r1' });
    expect(cutPage(rows(2), 2, (r) => r.id, cursorOf)).toEqual({ data: ['r0', 'r1'], nextCursor: null });
    expect(cutPage([], 2, (r: { id: string }) => r.id, cursorOf)).toEqual({ data: [], nextCursor: null });
  });

  it('stops before PAGE_MAX_BYTES of items, so a page always fits one NATS message, and goes on from there', () => {
    const big = rows(1001, 4000);
    const page = cutPage(big, 1000, (r) => r, cursorOf);
    expect(page.data.length).toBeLessThan(1000);
    expect(Buffer.byteLength(JSON.stringify(page.data))).toBeLessThanOrEqual(PAGE_MAX_BYTES);
    expect(page.nextCursor).toBe(`after-r${page.data.length - 1}`);
  });

  it('never answers an empty page while rows are left, however large one item is', () => {
    const page = cutPage(rows(2, PAGE_MAX_BYTES), 10, (r) => r, cursorOf);
    expect(page).toEqual({ data: [expect.objectContaining({ id: 'r0' })], nextCursor: 'after-r0' });
  });
});
