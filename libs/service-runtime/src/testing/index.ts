// Spec-only entry point, `@switchboard/service-runtime/testing`: the in-process stack the services' integration
// specs boot. package.json exports it with a `types` condition only, so it never becomes part of a built service.
export { startServiceStack, type ServiceStack, type StackContext, type Started } from './service.stack.js';
