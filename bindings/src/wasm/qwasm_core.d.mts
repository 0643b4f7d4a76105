// Type of the Emscripten-generated ES module factory (built into dist/wasm/).
// The raw module's members are typed in ../core.ts.
declare function createQwasmCore(options?: Record<string, unknown>): Promise<unknown>;
export default createQwasmCore;
