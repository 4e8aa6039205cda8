// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/**
 * Layer boundaries as import bans. A later config block replaces an earlier block's options for the
 * same rule, so every block builds its list with `restrictImports`, which always adds the SDK ban.
 */
const temporalInternals = {
  regex: '^@temporalio/[^/]+/lib(/|$)',
  message: "@temporalio/*/lib/* are the SDK's internals: use what the package root exports (its lib/index.d.ts)",
};
/** @param {{ paths?: object[], patterns?: object[] }} [bans] */
const restrictImports = ({ paths = [], patterns = [] } = {}) => ({
  'no-restricted-imports': 'off',
  '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns: [temporalInternals, ...patterns] }],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'scripts/*.mjs', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      ...restrictImports(),
    },
  },
  {
    // The API starts and messages workflows; what it shares with the worker lives in src/ (domain, policy, db).
    files: ['src/api/**/*.ts'],
    rules: restrictImports({
      patterns: [
        {
          regex: '^(\\.\\./)+activities(/|$)',
          message: 'the API never imports activities/: move what both need to src/ (e.g. src/policy/)',
        },
      ],
    }),
  },
  {
    // The dashboard renders what the API hands it; shared types live in src/domain/.
    files: ['src/dashboard/**/*.ts'],
    rules: restrictImports({
      patterns: [
        { regex: '^(\\.\\./)+(src/)?api(/|$)', message: 'the dashboard never imports src/api/: move shared types to src/domain/' },
      ],
    }),
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no activity bodies.
    files: ['workflows/**/*.ts'],
    rules: restrictImports({
      paths: builtinModules
        .flatMap((name) => [name, `node:${name}`])
        .map((name) => ({ name, message: 'workflows are deterministic: no Node built-ins' })),
      patterns: [
        { regex: '^(\\.\\./)+activities/(?!index\\.js$)', message: 'import activity types from activities/index.js only' },
        {
          regex: '^(\\.\\./)+activities/index\\.js$',
          allowTypeImports: true,
          message: 'workflows import activities with `import type` only (proxyActivities<Activities>); activity code runs on the worker',
        },
      ],
    }),
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Assertions on parsed JSON and SDK payloads.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
