// Spec-only entry point, `@switchboard/domain-kernel/testing`: it relies on Jest's global `expect`, so it
// stays out of the build and the main index. package.json exports it with a `types` condition only, which
// lets the type-checker and the Nx boundary rule see it while Node refuses to load it in production code.
export { specificationFor } from './decider-specification.js';
