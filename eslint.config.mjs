// ESLint 9 flat config (typescript-eslint). Errors fail `npm test`; warnings are shown only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeGlobals = Object.fromEntries(['require', 'module', 'exports', '__dirname', '__filename', 'process', 'console',
  'Buffer', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'URL', 'fetch',
  'AbortController', 'TextDecoder', 'TextEncoder', 'performance', 'structuredClone'].map(g => [g, 'readonly']));
const mochaGlobals = Object.fromEntries(['describe', 'it', 'before', 'after', 'beforeEach', 'afterEach', 'suite', 'test']
  .map(g => [g, 'readonly']));
const browserGlobals = Object.fromEntries(['window', 'document', 'navigator', 'location', 'getComputedStyle',
  'MutationObserver', 'ResizeObserver', 'requestAnimationFrame', 'HTMLElement', 'customElements'].map(g => [g, 'readonly']));

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test/host/**', 'test-artifacts/**', '.vscode-test/**',
    'bench/data/**', 'examples/**', '**/*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-empty': ['error', { allowEmptyCatch: true }],
      eqeqeq: ['error', 'smart'],
      // no default exports (project convention: names say what they are)
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports (project convention).' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/explicit-module-boundary-types': 'error',
    },
  },
  {
    // the core engine runs in the CLI and in plain Node tests: it must never depend on the editor
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/core must not import vscode: pass what it needs in from src/host.' }],
        patterns: [{ group: ['**/host/**', '**/host'], message: 'src/core must not depend on src/host.' }],
      }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...nodeGlobals, ...mochaGlobals } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
  // tool config files must default-export their config
  { files: ['eslint.config.mjs'], rules: { 'no-restricted-syntax': 'off' } },
  { files: ['test/**/*.ts'], languageOptions: { globals: mochaGlobals } },
  { files: ['webview/**/*.ts'], languageOptions: { globals: browserGlobals } },
);
