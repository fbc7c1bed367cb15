// The README's install command, as a new user on this machine's system Node runs it: no engine warnings.
// npm checks `engines` against the Node running npm; the README's command runs npm on the project's Node 24.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/server-process.js';

const exec = promisify(execFile);

/** The install half of the quick start's `INSTALL && npm start`. */
async function readmeInstallCommand(): Promise<string> {
  const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const block = /## Quick start[\s\S]*?```sh\n([^\n]*)\n/.exec(readme);
  assert.ok(block, 'README has a Quick start sh block');
  const [install, serve] = block[1]!.split(' && ');
  assert.equal(serve, 'npm start', 'the quick start is INSTALL && npm start');
  return install!;
}

describe('the README install command', () => {
  it('prints no EBADENGINE warning when npm starts on the system Node', async () => {
    const install = await readmeInstallCommand();
    // npm test puts node_modules/.bin (the project's Node 24) first on PATH; a new user's shell does not.
    const userPath = (process.env.PATH ?? '').split(':').filter((dir) => !dir.includes('node_modules')).join(':');
    // --dry-run resolves the tree and checks engines without touching node_modules.
    const { stdout, stderr } = await exec('bash', ['-c', `${install} --dry-run --ignore-scripts --no-audit --no-fund`], {
      cwd: REPO_ROOT,
      env: { ...process.env, PATH: userPath },
      timeout: 120_000,
    });
    const warnings = `${stdout}${stderr}`.split('\n').filter((line) => line.includes('EBADENGINE'));
    assert.deepEqual(warnings, [], `${install} warned about engines`);
  });
});
