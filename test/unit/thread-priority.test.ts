// Background threads start below the query thread: the priority is lowered by the thread that starts them,
// before Node has set the new thread up, so that even its first line of code runs at the lower priority.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { startThreadBelow } from '../../src/thread-priority.js';

/** Posts the thread's nice value (field 19 of its stat, counted after the command name's ')') and exits. */
const REPORT_OWN_NICE = `
const { readFileSync } = require('node:fs');
const { parentPort } = require('node:worker_threads');
const stat = readFileSync('/proc/thread-self/stat', 'utf8');
parentPort.postMessage(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
`;

function ownNice(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

async function niceSeenByNewThread(start: () => Worker): Promise<number> {
  const worker = start();
  const [nice] = (await Promise.race([
    new Promise((resolve) => worker.once('message', (value: number) => resolve([value]))),
    new Promise((_, reject) => worker.once('error', reject)),
  ])) as [number];
  await worker.terminate();
  return nice;
}

// Priority can only be lowered without privileges: this needs room below the test's own.
describe('startThreadBelow', { skip: process.platform !== 'linux' || ownNice() >= 19 }, () => {
  it('a new thread inherits the priority of the thread that starts it', async () => {
    assert.equal(await niceSeenByNewThread(() => new Worker(REPORT_OWN_NICE, { eval: true })), ownNice());
  });

  it('starts the thread already lowered: its first line of code sees the new priority', async () => {
    const target = Math.min(19, ownNice() + 7);
    assert.equal(await niceSeenByNewThread(() => startThreadBelow(target, () => new Worker(REPORT_OWN_NICE, { eval: true }))), target);
    assert.notEqual(ownNice(), target, 'the starting thread keeps its own priority');
  });
});
