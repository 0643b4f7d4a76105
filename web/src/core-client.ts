// The page's handle on the worker. Cancel terminates the worker (the core's
// calls are synchronous inside it) and starts a fresh one; the caller then
// reloads its state.
import * as Comlink from 'comlink';
import type { CoreWorkerApi } from './worker-api';

export class CoreClient {
  #worker!: Worker;
  api!: Comlink.Remote<CoreWorkerApi>;
  #onRestart: () => void;

  constructor(onRestart: () => void) {
    this.#onRestart = onRestart;
    this.#start();
  }

  #start(): void {
    this.#worker = new Worker(new URL('./core.worker.ts', import.meta.url), { type: 'module', name: 'qwasm-core' });
    this.api = Comlink.wrap<CoreWorkerApi>(this.#worker);
  }

  /** Stops whatever the worker is doing and starts a new one. */
  cancel(): void {
    this.api[Comlink.releaseProxy]();
    this.#worker.terminate();
    this.#start();
    this.#onRestart();
  }
}

export const proxy = Comlink.proxy;
