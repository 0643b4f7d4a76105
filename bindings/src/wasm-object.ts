/**
 * The base of every JS object that owns wasm memory: it holds the embind
 * handle, frees it once on `dispose()` (or `using`), throws
 * {@link QwasmDisposedError} on use after that, and warns through a
 * FinalizationRegistry when an object is garbage-collected undisposed.
 * @internal
 */
import type { EmbindHandle } from './core.js';
import { QwasmDisposedError } from './errors.js';

const leaks = typeof FinalizationRegistry !== 'undefined'
  ? new FinalizationRegistry<string>((what) => console.warn(`qwasm: a ${what} was garbage-collected without dispose(); its wasm memory leaked`))
  : undefined;

export abstract class WasmObject<H extends EmbindHandle> {
  #raw: H | null;
  readonly #what: string;

  protected constructor(raw: H, what: string) {
    this.#raw = raw;
    this.#what = what;
    leaks?.register(this, what, this);
  }

  /** @internal The embind handle; throws after {@link dispose}. */
  get raw(): H {
    if (!this.#raw) throw new QwasmDisposedError(this.#what);
    return this.#raw;
  }

  /** Frees the wasm memory. Idempotent. */
  dispose(): void {
    if (this.#raw) {
      this.#raw.delete();
      this.#raw = null;
      leaks?.unregister(this);
    }
  }

  /** Whether {@link dispose} was called. */
  get disposed(): boolean {
    return this.#raw === null;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
