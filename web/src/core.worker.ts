// Runs the qwasm core off the main thread; the page talks to it through Comlink.
import * as Comlink from 'comlink';
import { init } from 'qwasm';
import type { CoreWorkerApi, WorkerStatus } from './worker-api';

const t0 = performance.now();
const ready = init();

const api: CoreWorkerApi = {
  async status(): Promise<WorkerStatus> {
    const qw = await ready;
    const info = qw.buildInfo;
    return { version: info.version, simd: info.simd, isa: info.isa, loadMs: performance.now() - t0 };
  },
};

Comlink.expose(api);
