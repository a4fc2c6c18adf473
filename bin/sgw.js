#!/usr/bin/env node
// In a checkout the sources run through tsx, a development dependency, as `npm start` does; where only the
// production dependencies are installed (the container image), the build in dist/ runs.
let sources = true;
try {
  require.resolve('tsx/cjs');
} catch {
  sources = false;
}
if (sources) {
  require('tsx/cjs');
  require('../src/cli/main.ts');
} else {
  require('../dist/src/cli/main.js');
}
