// Every error Meridian throws on purpose comes from the coded catalogue (src/errors.ts), so operators can grep
// its code and tests can assert on it. A plain `throw new Error(` in the sources is a slip. (Rejections that
// carry a reason to a log line, in the workers, the zone loader thread and the Kubernetes reflector, are not yet.)

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { REPO_ROOT } from '../helpers/server-process.js';

it('no source file throws a plain Error', async () => {
  const sources = (await readdir(path.join(REPO_ROOT, 'src'), { recursive: true })).filter((f) => f.endsWith('.ts'));
  assert.ok(sources.length > 20, 'the sources were found');
  const slips: string[] = [];
  for (const file of sources) {
    const lines = (await readFile(path.join(REPO_ROOT, 'src', file), 'utf8')).split('\n');
    lines.forEach((line, index) => {
      if (/\bthrow new Error\(/.test(line)) slips.push(`src/${file}:${index + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(slips, [], 'use Errors.* from src/errors.ts');
});
