// Lint: typescript-eslint's recommended rules, and no focused or skipped tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noFocusOrSkip = ['describe', 'it', 'test'].flatMap((object) =>
  ['only', 'skip'].map((property) => ({ object, property, message: 'Focused or skipped tests do not land.' })),
);

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '.keygate-data/', 'dist/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-properties': ['error', ...noFocusOrSkip],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    ignores: ['console/**'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
  },
  // The console's scripts run in a browser, as ES modules: only browser globals, no Node.
  {
    files: ['console/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        document: 'readonly',
        window: 'readonly',
        fetch: 'readonly',
        location: 'readonly',
        navigator: 'readonly',
        history: 'readonly',
        getSelection: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        FormData: 'readonly',
        console: 'readonly',
      },
    },
  },
);
