#!/usr/bin/env node
// The `dreamos` command: runs the compiled CLI (npm start / npm test build it; or `npm run build`).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('error: dreamos is not built yet.\n  fix: run `npm start` or `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
require(entry);
