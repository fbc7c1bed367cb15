// Every error Meridian throws or rejects with on purpose comes from the coded catalogue (src/base/errors.ts), so
// operators can grep its code and tests can assert on it. A plain `new Error(`, or an error class of its own, in
// the sources is a slip: only the catalogue makes errors.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { REPO_ROOT } from '../helpers/server-process.js';

it('no source file makes a plain Error', async () => {
  const sources = (await readdir(path.join(REPO_ROOT, 'src'), { recursive: true })).filter((f) => f.endsWith('.ts'));
  assert.ok(sources.length > 20, 'the sources were found');
  const slips: string[] = [];
  for (const file of sources) {
    const lines = (await readFile(path.join(REPO_ROOT, 'src', file), 'utf8')).split('\n');
    lines.forEach((line, index) => {
      if (file === path.join('base', 'errors.ts')) return;
      if (/\bnew Error\(|\bextends Error\b/.test(line)) slips.push(`src/${file}:${index + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(slips, [], 'use Errors.* from src/base/errors.ts');
});
