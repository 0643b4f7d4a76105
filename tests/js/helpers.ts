// Shared by the Vitest suites: the package under test is the built dist/.
export { init } from '../../dist/index.js';
export * from '../../dist/index.js';
