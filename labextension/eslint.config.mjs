// ESLint of the extension's TypeScript and of the notebook widgets' ES modules (loaded by
// anywidget as they are). Formatting is Prettier's. Paths are relative to the repository root:
// run `npm run lint:check` here, or `eslint -c labextension/eslint.config.mjs` from the root.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

// The helpers of dl_notebook/widgets/_base.js, shipped before every widget module.
const BASE_HELPERS = [
  'el',
  'listen',
  'markPressed',
  'segmented',
  'classPicker',
  'keyRegion',
  'thumbnail',
  'showCards',
  'pager',
  'dashboardHead',
  'frames',
  'fitCanvas'
];
import tseslint from 'typescript-eslint';
import { defineConfig } from 'eslint/config';

export default defineConfig(
  { ignores: ['labextension/node_modules/', 'labextension/lib/', 'labextension/test-build/'] },
  {
    files: ['labextension/src/**/*.ts', 'labextension/test/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: globals.browser },
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        { selector: 'interface', format: ['PascalCase'], custom: { regex: '^I[A-Z]', match: true } }
      ],
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none' }],
      eqeqeq: 'error',
      curly: ['error', 'all'],
      'prefer-arrow-callback': 'error'
    }
  },
  {
    files: ['labextension/test/**/*.ts'],
    languageOptions: { globals: globals.node }
  },
  {
    // Each widget module is shipped after _base.js, whose helpers it uses.
    files: ['dl_notebook/widgets/_*.js'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'module',
      globals: {
        ...globals.browser,
        ...Object.fromEntries(BASE_HELPERS.map(name => [name, 'readonly']))
      }
    },
    rules: { eqeqeq: 'error' }
  },
  {
    files: ['dl_notebook/widgets/_base.js'],
    rules: {
      'no-unused-vars': ['error', { varsIgnorePattern: `^(${BASE_HELPERS.join('|')})$` }]
    }
  },
  prettier
);
