// OCA's error-level rules for Odoo addons, with every static/**/*.js read as an ES module (as
// Odoo 18 loads them). Warnings fail too: `make lint` runs with --max-warnings 0.
const globals = require("globals");
const js = require("@eslint/js");

module.exports = [
    { ignores: ["static/lib/**", "node_modules/**"] },
    js.configs.recommended,
    {
        files: ["static/**/*.js"],
        languageOptions: {
            ecmaVersion: 2024,
            sourceType: "module",
            globals: { ...globals.browser, odoo: "readonly", owl: "readonly", luxon: "readonly" },
        },
        rules: {
            "no-unused-vars": ["error", { args: "none", caughtErrors: "none", varsIgnorePattern: "^_" }],
            "no-use-before-define": ["error", { functions: false, classes: false, variables: false }],
            "no-duplicate-imports": "error",
            "no-eq-null": "error",
            "no-eval": "error",
            "no-lonely-if": "error",
            "no-return-assign": "error",
            "no-unneeded-ternary": "error",
            "no-unused-expressions": "error",
            "operator-assignment": ["error", "always"],
            "spaced-comment": ["error", "always"],
            "no-restricted-globals": ["error", "event", "self"],
            curly: ["error", "all"],
            eqeqeq: "warn",
            "prefer-const": "warn",
            "no-shadow": "warn",
            "no-param-reassign": "warn",
            complexity: ["warn", 15],
        },
    },
    {
        // Production code reads in small functions; a test may script a long story.
        files: ["static/src/**/*.js"],
        rules: {
            "max-lines-per-function": [
                "warn",
                { max: 40, skipBlankLines: true, skipComments: true },
            ],
        },
    },
];
