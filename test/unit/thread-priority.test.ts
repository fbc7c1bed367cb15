// Background threads start below the query thread: the priority is lowered by the thread that starts them,
// before Node has set the new thread up, so that even its first line of code runs at the lower priority.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { startThreadBelow } from '../../src/base/thread-priority.js';
import { niceFromStat } from '../helpers/processes.js';

/** Posts the thread's /proc stat, read on its first line of code. */
const REPORT_OWN_STAT = `
const { readFileSync } = require('node:fs');
const { parentPort } = require('node:worker_threads');
parentPort.postMessage(readFileSync('/proc/thread-self/stat', 'utf8'));
`;

function ownNice(): number {
  return niceFromStat(readFileSync('/proc/thread-self/stat', 'utf8'));
}

async function niceSeenByNewThread(start: () => Worker): Promise<number> {
  const worker = start();
  const [nice] = (await Promise.race([
    new Promise((resolve) => worker.once('message', (stat: string) => resolve([niceFromStat(stat)]))),
    new Promise((_, reject) => worker.once('error', reject)),
  ])) as [number];
  await worker.terminate();
  return nice;
}

// Priority can only be lowered without privileges: this needs room below the test's own.
describe('startThreadBelow', { skip: process.platform !== 'linux' || ownNice() >= 19 }, () => {
  it('a new thread inherits the priority of the thread that starts it', async () => {
    assert.equal(await niceSeenByNewThread(() => new Worker(REPORT_OWN_STAT, { eval: true })), ownNice());
  });

  it('starts the thread already lowered: its first line of code sees the new priority', async () => {
    const target = Math.min(19, ownNice() + 7);
    assert.equal(await niceSeenByNewThread(() => startThreadBelow(target, () => new Worker(REPORT_OWN_STAT, { eval: true }))), target);
    assert.notEqual(ownNice(), target, 'the starting thread keeps its own priority');
  });
});
