// The README's install and CLI commands, as a new user on this machine's system Node runs them: no engine
// warnings. npm checks `engines` against the Node running npm; the README's commands run on the project's Node 24.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
  const [install, serve] = block[1].split(' && ');
  assert.equal(serve, 'npm start', 'the quick start is INSTALL && npm start');
  return install;
}

/** The command the README runs the CLI with: "After …, `COMMAND <command>` runs the CLI". */
async function readmeCliCommand(): Promise<string> {
  const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const command = /`([^`]+) <command>` runs the CLI/.exec(readme);
  assert.ok(command, 'README says how to run the CLI');
  return command[1];
}

/** PATH without node_modules/.bin: npm test puts the project's Node 24 first on PATH; a new user's shell does not. */
function userPath(): string {
  return (process.env.PATH ?? '')
    .split(':')
    .filter((dir) => !dir.includes('node_modules'))
    .join(':');
}

describe('the README install command', () => {
  it('prints no EBADENGINE warning when npm starts on the system Node', async () => {
    const install = await readmeInstallCommand();
    // --dry-run resolves the tree and checks engines without touching node_modules.
    const { stdout, stderr } = await exec('bash', ['-c', `${install} --dry-run --ignore-scripts --no-audit --no-fund`], {
      cwd: REPO_ROOT,
      env: { ...process.env, PATH: userPath() },
      timeout: 120_000,
    });
    const warnings = `${stdout}${stderr}`.split('\n').filter((line) => line.includes('EBADENGINE'));
    assert.deepEqual(warnings, [], `${install} warned about engines`);
  });
});

describe('the README CLI command', () => {
  it('prints no EBADENGINE warning on its first run from the system Node', async () => {
    const cli = await readmeCliCommand();
    // An empty npm cache: npx installs a local project into its cache on the first run only, so a used cache
    // would hide what a new user sees.
    const cache = await mkdtemp(path.join(tmpdir(), 'meridian-npm-cache-'));
    try {
      const { stdout, stderr } = await exec('bash', ['-c', `${cli} --help`], {
        cwd: REPO_ROOT,
        env: { ...process.env, PATH: userPath(), npm_config_cache: cache },
        timeout: 120_000,
      });
      assert.match(stdout, /^Usage: meridian/m);
      const warnings = `${stdout}${stderr}`.split('\n').filter((line) => line.includes('EBADENGINE'));
      assert.deepEqual(warnings, [], `${cli} warned about engines`);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
