/**
 * Loading the WebAssembly core: `init()` works in a page, a Web Worker, a
 * bundler (the `.wasm` is referenced with `new URL(..., import.meta.url)` so
 * Vite and friends emit it as an asset) and Node (where the bytes are read
 * from disk and passed as `wasmBinary`).
 * @module
 */
import createQwasmCore from './wasm/qwasm_core.mjs';
import type { RawCore } from './core.js';
import { Qwasm } from './qwasm.js';

/** Options for {@link init}. All optional. */
export interface InitOptions {
  /** The `.wasm` bytes, if you already have them (skips fetching). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where to fetch `qwasm_core.wasm` from (default: next to this module). */
  wasmUrl?: string | URL;
}

let cached: Promise<Qwasm> | undefined;

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';
}

async function readWasmInNode(url: URL): Promise<Uint8Array> {
  // Indirect specifiers keep bundlers from trying to include Node built-ins.
  const fsName = 'node:fs/promises';
  const urlName = 'node:url';
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
  const { fileURLToPath } = (await import(/* @vite-ignore */ urlName)) as typeof import('node:url');
  return new Uint8Array(await fs.readFile(fileURLToPath(url)));
}

async function load(options: InitOptions): Promise<Qwasm> {
  const defaultUrl = new URL('./wasm/qwasm_core.wasm', import.meta.url);
  const url = options.wasmUrl ? new URL(String(options.wasmUrl), defaultUrl) : defaultUrl;
  const moduleOptions: Record<string, unknown> = {
    locateFile: (path: string) => (path.endsWith('.wasm') ? url.href : path),
  };
  if (options.wasmBinary) {
    moduleOptions.wasmBinary = options.wasmBinary;
  } else if (isNode() && url.protocol === 'file:') {
    moduleOptions.wasmBinary = await readWasmInNode(url);
  }
  const core = (await createQwasmCore(moduleOptions)) as RawCore;
  return new Qwasm(core);
}

/**
 * Loads the core once and returns the API object. Calling it again returns
 * the same promise (options of later calls are ignored). A failed load is not
 * cached, so it can be retried.
 */
export function init(options: InitOptions = {}): Promise<Qwasm> {
  if (!cached) {
    cached = load(options).catch((err: unknown) => {
      cached = undefined;
      throw err;
    });
  }
  return cached;
}
