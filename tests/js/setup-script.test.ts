// scripts/ensure-deps.sh on a machine that lacks tools: it must say what to
// install, not fail with a stack trace.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/ensure-deps.sh', import.meta.url));

function which(cmd: string): string {
  const r = spawnSync('bash', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.stdout.trim();
}

// A PATH holding only the given tools (symlinked), so everything else is "missing".
function fakePath(tools: string[]): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'qwasm-path-'));
  for (const t of tools) {
    const p = which(t);
    if (p) symlinkSync(p, join(dir, t));
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('ensure-deps.sh', () => {
  it('names the Debian packages to install by hand when apt-get is unavailable', () => {
    const { dir, cleanup } = fakePath(['dirname', 'id', 'node']);
    try {
      const r = spawnSync('/bin/bash', [script], { env: { PATH: dir, HOME: tmpdir() }, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/apt-get is not available\. Install these packages by hand: .*emscripten/);
      expect(r.stderr).toContain('chromium');
      expect(r.stderr).not.toMatch(/line \d+:/); // no bash error trace
    } finally {
      cleanup();
    }
  });

  it('says when Node is missing', () => {
    const tools = ['dirname', 'id', 'emcc', 'chromium', 'cmake', 'g++', 'make', 'ninja'];
    const { dir, cleanup } = fakePath(tools);
    try {
      const r = spawnSync('/bin/bash', [script], { env: { PATH: dir, HOME: tmpdir() }, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('Node.js (>= 20.19) is required');
    } finally {
      cleanup();
    }
  });
});
