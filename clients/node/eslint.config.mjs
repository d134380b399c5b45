// ESLint for the npm package (`make lint` runs it when npm exists): ESM for Node 18+, the same
// rules as the stub SDK's (sdk_stub/eslint.config.mjs).
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.node },
    },
    rules: {
      "no-unused-vars": ["error", { args: "after-used", argsIgnorePattern: "^_",
                                  caughtErrorsIgnorePattern: "^_" }],
      "eqeqeq": ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  {
    // The Playwright spec runs page.evaluate callbacks in the browser.
    files: ["test/playwright/**/*.js", "src/playwright.js"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  { ignores: ["node_modules/", "test-results/", "playwright-report/"] },
];
