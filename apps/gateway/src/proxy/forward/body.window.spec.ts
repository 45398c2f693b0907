import { BodyWindow, FRAGMENT_BYTES } from './body.window.js';

/** `size` bytes of ASCII in which every position differs from its neighbours', so a shifted slice never matches. */
function bodyOf(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = 0x21 + ((i * 7 + Math.floor(i / 94)) % 94);
  return out;
}

/** Pushes `body` in chunks of the given sizes, the last one repeated until the body is used up. */
function windowOver(body: Buffer, sizes: readonly number[]): BodyWindow {
  const window = new BodyWindow();
  let at = 0;
  for (let i = 0; at < body.length; i++) {
    const size = sizes[Math.min(i, sizes.length - 1)] ?? 1;
    window.push(body.subarray(at, at + size));
    at += size;
  }
  return window;
}

describe('body window', () => {
  it('holds the whole of a body shorter than a fragment at both ends', () => {
    const body = bodyOf(1_000);
    const window = windowOver(body, [300]);
    expect(window.head()).toBe(body.toString('utf8'));
    expect(window.tail()).toBe(body.toString('utf8'));
  });

  it('keeps exactly the first and the last fragment of a long body, whatever the chunk boundaries', () => {
    const body = bodyOf(5 * FRAGMENT_BYTES + 12_345);
    for (const sizes of [[10_007], [1, FRAGMENT_BYTES - 1, 3], [FRAGMENT_BYTES], [FRAGMENT_BYTES + 1]]) {
      const window = windowOver(body, sizes);
      expect(window.head()).toBe(body.subarray(0, FRAGMENT_BYTES).toString('utf8'));
      expect(window.tail()).toBe(body.subarray(body.length - FRAGMENT_BYTES).toString('utf8'));
    }
  });

  it('cuts both fragments out of one chunk larger than a fragment', () => {
    const body = bodyOf(3 * FRAGMENT_BYTES);
    const window = new BodyWindow();
    window.push(body);
    expect(window.head()).toBe(body.subarray(0, FRAGMENT_BYTES).toString('utf8'));
    expect(window.tail()).toBe(body.subarray(2 * FRAGMENT_BYTES).toString('utf8'));
  });

  it('finds the usage at the end of a large JSON answer, and its id at the start', () => {
    const filler = 'x'.repeat(3 * FRAGMENT_BYTES);
    const answer = `{"id":"chatcmpl-1","choices":[{"message":{"content":"${filler}"}}],"usage":{"prompt_tokens":7,"completion_tokens":9}}`;
    const window = windowOver(Buffer.from(answer), [16_384]);
    expect(window.head().startsWith('{"id":"chatcmpl-1"')).toBe(true);
    expect(window.tail().endsWith('"usage":{"prompt_tokens":7,"completion_tokens":9}}')).toBe(true);
    expect(window.head()).toHaveLength(FRAGMENT_BYTES);
    expect(window.tail()).toHaveLength(FRAGMENT_BYTES);
  });

  it('is empty at both ends before anything arrives', () => {
    const window = new BodyWindow();
    expect([window.head(), window.tail()]).toEqual(['', '']);
  });
});
