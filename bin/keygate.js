#!/usr/bin/env node
'use strict';
// Launcher for the admin CLI (cli/keygate.ts). tsx compiles the TypeScript on
// the fly, so the CLI runs from a checkout with no build step.
require('tsx/cjs/api').register();
const { main } = require('../cli/keygate.ts');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`keygate: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
