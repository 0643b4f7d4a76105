// The messages between the page and the worker that runs the wasm core.
// Heavy work never runs on the main thread.
export interface WorkerStatus {
  version: string;
  simd: boolean;
  isa: string;
  loadMs: number;
}

export interface CoreWorkerApi {
  /** Loads the core (once) and reports what was loaded. */
  status(): Promise<WorkerStatus>;
}
