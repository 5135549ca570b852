// OCA's prettier settings at the width and bracket spacing of Odoo's own JS (web/tooling).
module.exports = {
    plugins: [require.resolve("@prettier/plugin-xml")],
    bracketSpacing: true,
    printWidth: 100,
    semi: true,
    tabWidth: 4,
    trailingComma: "es5",
    xmlWhitespaceSensitivity: "preserve",
};
