#!/usr/bin/env node
'use strict';
// The `keygate` admin CLI. From the installed package it runs the compiled
// CLI (dist/cli/keygate.js, built by `npm run build`) with plain node. In a
// checkout of the repository, where the TypeScript source sits beside it, it
// runs that source through tsx, so what is tested is what was just edited.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const source = join(__dirname, '..', 'cli', 'keygate.ts');
let cli;
if (existsSync(source)) {
  require('tsx/cjs/api').register();
  cli = require(source);
} else {
  cli = require('../dist/cli/keygate.js');
}

cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`keygate: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
