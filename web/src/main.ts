import * as Comlink from 'comlink';
import type { CoreWorkerApi } from './worker-api';
import './style.css';

const worker = new Worker(new URL('./core.worker.ts', import.meta.url), { type: 'module', name: 'qwasm-core' });
const core = Comlink.wrap<CoreWorkerApi>(worker);

const statusEl = document.querySelector<HTMLElement>('#core-status')!;

core.status().then(
  (s) => {
    statusEl.dataset.state = 'ready';
    statusEl.dataset.simd = String(s.simd);
    statusEl.textContent = `qwasm ${s.version} · ${s.isa} · ${s.simd ? 'SIMD on' : 'SIMD off'} · loaded in a Web Worker in ${s.loadMs.toFixed(0)} ms`;
  },
  (err: unknown) => {
    statusEl.dataset.state = 'error';
    statusEl.textContent = `The WebAssembly core failed to load: ${err instanceof Error ? err.message : String(err)}`;
  },
);
