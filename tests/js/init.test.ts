import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { init, Qwasm } from 'qwasm';

describe('init', () => {
  it('loads the SIMD wasm core in Node', async () => {
    const qw = await init();
    expect(qw).toBeInstanceOf(Qwasm);
    const info = qw.buildInfo;
    expect(info.target).toBe('wasm32');
    expect(info.simd).toBe(true);
    expect(info.isa).toBe('wasm-simd128');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(info.version).toBe(pkg.version);
  });

  it('is idempotent: the same instance every time', async () => {
    const [a, b] = await Promise.all([init(), init()]);
    expect(a).toBe(b);
    expect(await init()).toBe(a);
  });

  it('reports heap usage', async () => {
    const qw = await init();
    const s = qw.heapStats();
    expect(s.heapBytes).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    expect(s.allocatedBytes).toBeGreaterThanOrEqual(0);
  });
});
