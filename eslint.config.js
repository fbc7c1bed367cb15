// ESLint with typescript-eslint's type-checked rules: the compiler proves types, these catch what types allow
// but is almost always a bug (a promise nobody awaits, a template that prints [object Object], `any` leaking).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-output/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      // Passing on a rejection reason we were handed (typed unknown) is a rethrow, which only-throw-error allows
      // by default; a reason we make up ourselves must still be an Error.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // ignoreRestSiblings: `const { uid, ...rest } = object` is how an object is copied without some fields.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // A handler installed before the value it uses exists (SIGHUP before the server has started, a timeout
      // that tears down what is set up after it) needs a `let` read before its one assignment: as a const it
      // would be in its temporal dead zone when the handler runs early.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  // typescript-eslint's base config makes every file a module; .cjs files are CommonJS (module, require).
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
);
