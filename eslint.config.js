// ESLint (flat config) with type-checked typescript-eslint rules and the layer rules of STYLE.md.
// The same layer rules are enforced again by dependency-cruiser (scripts/check-deps.mjs) and by
// the TypeScript project references; this is the cheapest of the three and runs in editors.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const noNodeBuiltins = {
  group: ['node:*', 'fs', 'path', 'os', 'crypto', 'http', 'https', 'net', 'child_process'],
  message:
    'engine/base and engine/domain are runtime-free: the renderer type-checks them without Node.',
};

/** Where process.env may be read: what a person or a runner starts, and test support. */
const ENTRY_POINTS = [
  'engine/daemon.ts',
  'src/main/index.ts',
  'sim/cli.ts',
  'scripts/**',
  'bench/**',
  'test/**',
  '**/*.test.ts',
  '**/*.test.tsx',
  'sim/apiserver/testing.ts',
  '*.config.ts',
];

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      '.tsbuild/**',
      'node_modules/**',
      'test-results/**',
      'artifacts/**',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      'no-console': 'error',
      // STYLE.md's size budget: split by responsibility before a file grows past it.
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      // Only entry points read the environment (loadConfig(env) turns it into a typed config);
      // everything else takes what it needs as a parameter.
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            'Only entry points read process.env (see ENTRY_POINTS in eslint.config.js): take the value as a parameter instead.',
        },
      ],
    },
  },
  {
    // The entry points (and the tests and their helpers, which are the entry points of a test run).
    files: ENTRY_POINTS,
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.test.ts', '**/*.test.tsx', 'test/**', 'bench/**', 'scripts/**', 'sim/cli.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  {
    files: ['engine/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'The engine runs without Electron (daemon); only src/main may import it.',
            },
          ],
          patterns: [
            {
              group: ['**/src/**', '../src/*', '../../src/*'],
              message: 'engine/ never imports src/.',
            },
            {
              group: ['**/sim/**', '../sim/*', '../../sim/*'],
              message: 'engine/ never imports the simulator.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['engine/base/**/*.ts', 'engine/domain/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noNodeBuiltins] }] },
  },
  {
    files: ['sim/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The simulator is a cluster, not a desktop app.' }],
          patterns: [
            {
              group: ['**/engine/**', '../engine/*', '../../engine/*'],
              message: 'sim/ is an independent cluster: it never imports engine/.',
            },
            {
              group: ['**/src/**', '../src/*', '../../src/*'],
              message: 'sim/ never imports src/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.tsx'],
    // Tests of the renderer may start a real engine to talk to.
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/engine/**'],
              allowTypeImports: true,
              message: 'The renderer may only import types from engine/ (import type ...).',
            },
          ],
          paths: [
            { name: 'electron', message: 'The page has no Electron access; use window.dbaas.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/engine/**'],
              message: 'The preload only bridges IPC; it never loads the engine.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['engine/api/routes/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/services/auth', '**/services/auth/*'],
              importNames: ['Grant'],
              allowTypeImports: true,
              message:
                'Handlers get their grant from the route table, for the permission the route declares; they never build one.',
            },
          ],
        },
      ],
    },
  },
);
