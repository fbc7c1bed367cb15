// Overload: twice the measured maximum rate, for 60 s. Not a test (it needs dnsperf and minutes); run it with
//
//   npm run bench:overload                      (or: node dist/test/bench/overload.js [--seconds 60] [--factor 2])
//
// Meridian runs as `meridian serve`, pinned to CPU 0; dnsperf runs on CPU 1 (and a second one on CPU 0, see
// GENERATOR_CPUS). First a 5 s full-load run measures
// the maximum rate; then dnsperf sends at `factor` times that, with enough queries outstanding that it keeps
// sending whatever comes back. Meanwhile a checker on another address asks a known name once a second and checks
// the answer, and the server's resident memory is sampled. Shedding (queries lost) is expected; what must hold is
// no crash, bounded memory and correct answers. The load comes from loopback, which response rate limiting exempts
// by default: this measures capacity, not RRL (test/integration/rrl.test.ts covers that).

import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { buildQuery, decodeResponse } from '../helpers/dns-message.js';
import { dig } from '../helpers/dig.js';
import { childPids, freePort } from '../helpers/processes.js';
import { startServerProcess } from '../helpers/server-process.js';
import { makeZoneDir } from '../helpers/zone-files.js';
import { rateRun, throughputRun, writeQueryFile } from './dnsperf.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    factor: { type: 'string', default: '2' },
    json: { type: 'string', default: 'test-output/overload/latest.json' },
  },
});
// One dnsperf on CPU 1 cannot send much more than the server answers on CPU 0. Twice that takes a second
// generator, which can only go on the server's own core: it then also takes CPU from the server, which makes the
// overload harsher, not milder.
const GENERATOR_CPUS = ['1', '0'];
const seconds = Number(values.seconds);
const factor = Number(values.factor);
const log = (message: string) => process.stderr.write(`${message}\n`);

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/** Asks `shop` once a second from 127.0.4.1 (another /24 than the load); counts right, wrong and unanswered. */
function startChecker(port: number) {
  const socket = dgram.createSocket('udp4');
  const result = { asked: 0, correct: 0, wrong: 0, unanswered: 0, slowestMs: 0 };
  let pending: { id: number; at: number } | undefined;
  socket.on('message', (msg) => {
    if (pending === undefined || msg.readUInt16BE(0) !== pending.id) return;
    const latency = performance.now() - pending.at;
    pending = undefined;
    result.slowestMs = Math.max(result.slowestMs, latency);
    const answer = decodeResponse(msg).answer;
    if (answer.length === 1 && answer[0].endsWith(' 192.0.2.30')) result.correct++;
    else result.wrong++;
  });
  let id = 0;
  const timer = setInterval(() => {
    if (pending !== undefined) result.unanswered++;
    id = (id + 1) & 0xffff;
    pending = { id, at: performance.now() };
    result.asked++;
    socket.send(buildQuery({ name: 'shop.gslb.example.test', type: 1, id }), port, '127.0.0.1');
  }, 1000);
  return {
    ready: new Promise<void>((resolve) => socket.bind(0, '127.0.4.1', resolve)),
    stop() {
      clearInterval(timer);
      if (pending !== undefined) result.unanswered++;
      socket.close();
      return result;
    },
  };
}

const zones = await makeZoneDir();
const port = await freePort();
const server = await startServerProcess({ zonesDir: zones.dir, port, args: ['--log-level', 'info'] });
const queries = await writeQueryFile(['app.gslb.example.test A', 'shop.gslb.example.test A']);
try {
  for (const pid of [server.child.pid!, ...childPids(server.child.pid!)]) execFileSync('taskset', ['-pc', '0', String(pid)]);
  const pid = server.child.pid!;
  log('overload: measuring the maximum rate (5 s at full load)');
  await throughputRun({ host: server.host, port, queryFile: queries.path, seconds: 3 });
  const max = await throughputRun({ host: server.host, port, queryFile: queries.path, seconds: 5 });
  const rate = Math.round(max.qps * factor);
  const rssBefore = await rssMb(pid);
  log(`overload: maximum ${Math.round(max.qps)} q/s; now ${rate} q/s (${factor}x) for ${seconds} s`);

  const checker = startChecker(port);
  await checker.ready;
  const rss: number[] = [];
  const sampler = setInterval(() => void rssMb(pid).then((mb) => rss.push(mb)), 1000);
  const runs = await Promise.all(
    GENERATOR_CPUS.map((cpu) =>
      rateRun({ host: server.host, port, queryFile: queries.path, seconds, rate: Math.round(rate / GENERATOR_CPUS.length), outstanding: 60_000, cpu }),
    ),
  );
  const overload = {
    sent: runs.reduce((sum, r) => sum + r.sent, 0),
    completed: runs.reduce((sum, r) => sum + r.completed, 0),
    runSeconds: Math.max(...runs.map((r) => r.runSeconds)),
    qps: runs.reduce((sum, r) => sum + r.qps, 0),
    rcodes: runs.reduce<Record<string, number>>((all, r) => {
      for (const [code, count] of Object.entries(r.rcodes)) all[code] = (all[code] ?? 0) + count;
      return all;
    }, {}),
    lostPercent: 0,
  };
  overload.lostPercent = Math.round((10_000 * (overload.sent - overload.completed)) / Math.max(1, overload.sent)) / 100;
  clearInterval(sampler);
  const checks = checker.stop();

  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const rssAfter = await rssMb(pid);
  const after = [
    await dig({ server: server.host, port, name: 'shop.gslb.example.test' }),
    await dig({ server: server.host, port, name: 'shop.gslb.example.test', options: ['+tcp'] }),
  ];
  const answersCorrect = after.every((r) => r.status === 'NOERROR' && r.answer.length === 1 && r.answer[0].endsWith('192.0.2.30'));
  const errors = server.logs.filter((l) => l.level === 'error' || l.level === 'fatal');
  const result = {
    maxQps: Math.round(max.qps),
    offeredQps: rate,
    sent: overload.sent,
    sentPerSecond: Math.round(overload.sent / overload.runSeconds),
    answered: overload.completed,
    answeredPerSecond: Math.round(overload.qps),
    lostPercent: overload.lostPercent,
    rcodes: overload.rcodes,
    rssMb: { before: Math.round(rssBefore), max: Math.round(Math.max(...rss)), after: Math.round(rssAfter) },
    checker: checks,
    alive: server.alive(),
    answersCorrectAfter: answersCorrect,
    errorsLogged: errors.length,
  };
  const rows: Array<[string, string]> = [
    ['maximum rate (full load, 5 s)', `${result.maxQps} q/s`],
    [
      `offered (${factor}x) / actually sent by dnsperf`,
      `${result.offeredQps} q/s / ${result.sentPerSecond} q/s for ${seconds} s (dnsperf on CPUs ${GENERATOR_CPUS.join(' and ')})`,
    ],
    ['answered', `${result.answeredPerSecond} q/s (${result.answered} of ${result.sent}; ${result.lostPercent}% shed)`],
    [
      'rcodes of the answers',
      Object.entries(result.rcodes)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    ['resident memory before / max / 5 s after', `${result.rssMb.before} / ${result.rssMb.max} / ${result.rssMb.after} MB`],
    [
      'checker (1 query/s from another /24)',
      `${checks.correct} correct, ${checks.wrong} wrong, ${checks.unanswered} unanswered of ${checks.asked}; slowest ${checks.slowestMs.toFixed(1)} ms`,
    ],
    ['afterwards', `alive: ${result.alive}; UDP and TCP answers correct: ${answersCorrect}; errors logged: ${result.errorsLogged}`],
  ];
  process.stdout.write(
    `OVERLOAD  meridian serve on CPU 0; dnsperf on CPU 1 and, for the rest of the load, on CPU 0 too\n${rows.map(([k, v]) => `  ${k.padEnd(44)} ${v}`).join('\n')}\n`,
  );
  await mkdir('test-output/overload', { recursive: true });
  await writeFile(values.json, `${JSON.stringify({ at: new Date().toISOString(), seconds, factor, ...result }, null, 2)}\n`);
  process.exitCode = result.alive && answersCorrect && result.errorsLogged === 0 && checks.wrong === 0 ? 0 : 1;
} finally {
  await server.stop();
  await queries.remove();
  await zones.remove();
}
