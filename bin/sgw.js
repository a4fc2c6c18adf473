#!/usr/bin/env node
// The TypeScript sources run through tsx, as `npm start` does.
require('tsx/cjs');
require('../src/cli/main.ts');
