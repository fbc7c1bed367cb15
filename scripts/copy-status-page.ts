// Copies the status page's static files (index.html, style.css) beside its script, which tsc compiles from
// src/observability/status-page/page.ts to dist/src/observability/status-page/page.js: the admin server reads
// all three from there, and the container image holds only dist/src. Part of `npm run build`; tsc copies no
// file but the ones it compiles.

import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

// Compiled to dist/scripts/copy-status-page.js: the repository root is two levels up, dist one.
const source = new URL('../../src/observability/status-page/', import.meta.url);
const target = new URL('../src/observability/status-page/', import.meta.url);

await mkdir(target, { recursive: true });
for (const name of ['index.html', 'style.css']) await copyFile(new URL(name, source), new URL(name, target));
process.stdout.write(`copied the status page's index.html and style.css to ${fileURLToPath(target)}\n`);
