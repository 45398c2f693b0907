// Spec-only entry point, `@switchboard/event-store/testing`, for other projects' integration specs. package.json
// exports it with a `types` condition only, so it never becomes part of a built service.
export { createTestDatabase, type TestDatabase } from './test-database.js';
