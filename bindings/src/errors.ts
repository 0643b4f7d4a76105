/**
 * Errors thrown by qwasm. Every failure of the core reaches JavaScript as one
 * of these; the WebAssembly instance is never left broken by one.
 * @module
 */

/** Base class of every error qwasm throws. `kind` says which family it is. */
export class QwasmError extends Error {
  /** `InvalidArgument`, `Unsupported`, `Format`, `OutOfMemory`, `Disposed` or `Internal`. */
  readonly kind: string;
  constructor(kind: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.kind = kind;
  }
}

/** A caller's argument is wrong; the message names the argument (and index). */
export class QwasmArgumentError extends QwasmError {
  constructor(message: string) { super('InvalidArgument', message); }
}

/** Valid input that qwasm does not support (an op, a dtype combination). */
export class QwasmUnsupportedError extends QwasmError {
  constructor(message: string) { super('Unsupported', message); }
}

/** A corrupt, truncated or malformed file; the message names the byte offset. */
export class QwasmFormatError extends QwasmError {
  constructor(message: string) { super('Format', message); }
}

/** The wasm heap could not grow to hold the data. */
export class QwasmOutOfMemoryError extends QwasmError {
  constructor(message: string) { super('OutOfMemory', message); }
}

/** A method was called on an object after `dispose()`. */
export class QwasmDisposedError extends QwasmError {
  constructor(what: string) { super('Disposed', `${what} was used after dispose()`); }
}

/** Maps a core error `{kind, message}` to the matching subclass. */
export function errorFromCore(kind: string, message: string): QwasmError {
  switch (kind) {
    case 'InvalidArgument': return new QwasmArgumentError(message);
    case 'Unsupported': return new QwasmUnsupportedError(message);
    case 'Format': return new QwasmFormatError(message);
    case 'OutOfMemory': return new QwasmOutOfMemoryError(message);
    default: return new QwasmError(kind, message);
  }
}
