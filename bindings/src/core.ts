/**
 * The raw Emscripten module and the few helpers every wrapper uses to talk to
 * it: `checked()` turns the core's pending error into a thrown JS error, and
 * the heap helpers copy typed arrays in and out (copies, because views into
 * the wasm heap are detached when it grows).
 * @internal
 */
import { errorFromCore } from './errors.js';

/** An embind object handle: must be `delete()`d exactly once. */
export interface EmbindHandle {
  delete(): void;
  isDeleted(): boolean;
}

/** Members of the Emscripten module that the TypeScript layer uses. */
export interface RawCore {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  takeError(): { kind: string; message: string } | null;
  buildInfo(): { version: string; target: string; simd: boolean; isa: string };
  heapStats(): { allocatedBytes: number; arenaBytes: number };
  // Concept modules (tensor.ts, observer.ts, linear.ts, model.ts …) declare
  // their own raw members by extending this interface.
  [member: string]: unknown;
}

/** Runs a core call and throws the error it left, if any. */
export function checked<T>(core: RawCore, call: () => T): T {
  const result = call();
  const err = core.takeError();
  if (err) throw errorFromCore(err.kind, err.message);
  return result;
}

export type HeapArray = Float32Array | Int32Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Float64Array | BigInt64Array;

/**
 * Copies `data` into freshly malloc'd wasm memory, runs `fn(ptr)` and frees
 * the memory whatever happens.
 */
export function withHeapCopy<T>(core: RawCore, data: HeapArray, fn: (ptr: number) => T): T {
  const bytes = data.byteLength;
  const ptr = core._malloc(Math.max(bytes, 1));
  if (!ptr) throw errorFromCore('OutOfMemory', `could not allocate ${bytes} bytes in the wasm heap`);
  try {
    core.HEAPU8.set(new Uint8Array(data.buffer, data.byteOffset, bytes), ptr);
    return fn(ptr);
  } finally {
    core._free(ptr);
  }
}

/** Copies `length` elements of a typed array type out of the wasm heap. */
export function copyFromHeap<A extends HeapArray>(
  core: RawCore,
  ctor: { new (buffer: ArrayBufferLike, offset: number, length: number): A; BYTES_PER_ELEMENT: number },
  ptr: number,
  length: number,
): A {
  // Read core.HEAPU8.buffer at call time: the heap may have grown since.
  const view = new ctor(core.HEAPU8.buffer, ptr, length);
  return view.slice() as A;
}
