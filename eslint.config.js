import nx from '@nx/eslint-plugin';

const drivers = ['@nestjs/*', 'typeorm', 'pg', '@nats-io/*', 'undici', '@aws-sdk/*', '@opentelemetry/*', 'prom-client'];
// The browser console runs none of the server's code: no drivers and no server frameworks (Node built-ins: below).
const serverOnly = [...drivers, 'fastify', '@fastify/*', 'rxjs', 'reflect-metadata'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '.nx'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': ['error', boundaries(false)],
    },
  },
  {
    // The console runs in a browser: Node's built-ins do not exist there (the Nx rule does not see them).
    files: ['apps/console/src/**/*.ts', 'apps/console/src/**/*.tsx'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^node:', message: 'the console runs in the browser' }] }] },
  },
  {
    // Specs, and each app's test-only helpers beside src (apps/*/test), may also use the test harness (libs/testing);
    // production code never does.
    files: ['**/*.spec.ts', 'apps/*/test/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries(true)] },
  },
];

function boundaries(spec) {
  const testing = spec ? ['type:testing'] : [];
  return {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Deciders and contracts stay pure: no framework, driver or SDK.
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'], bannedExternalImports: drivers },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: drivers },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:contracts', 'type:util'] },
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access', 'type:testing'] },
            // An app never imports another app; it builds on libraries only.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:data-access', 'type:util'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:contracts', 'type:util', 'type:data-access', 'type:testing'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:providers', onlyDependOnLibsWithTags: ['scope:providers', 'scope:shared'] },
            { sourceTag: 'scope:credentials', onlyDependOnLibsWithTags: ['scope:credentials', 'scope:shared'] },
            { sourceTag: 'scope:usage', onlyDependOnLibsWithTags: ['scope:usage', 'scope:shared'] },
            { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared'] },
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:shared'] },
            // The console shares the API's contracts (types and schemas) and nothing else of the workspace.
            { sourceTag: 'scope:console', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: serverOnly },
          ].map((c) => (c.sourceTag.startsWith('type:') && spec ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, ...testing] } : c)),
  };
}
