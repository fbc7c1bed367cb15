// The network-namespace lab (test/helpers/netns-lab.ts) with real sockets: connections really leave from an
// instance's namespace (a small node client run with `ip netns exec`), a cut path times out instead of being
// refused, and nothing of the lab outlives it. Needs root; skipped otherwise.

import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startHttpIngress, type HttpIngress } from '../helpers/ingress.js';
import { BLACKHOLE_MAC, LAB_INTERFACE, LINK_OWNER_MARK, createLab, whyNoNamespaces, type NetnsLab } from '../helpers/netns-lab.js';
import { dnsClient } from '../helpers/dns-client.js';
import { startServerProcess } from '../helpers/server-process.js';
import { makeZoneDir } from '../helpers/zone-files.js';

const execFileAsync = promisify(execFile);
/** Unique to this file, so what it checks for after destroy() is no other file's lab. */
const PREFIX = 'mrdt-';
const CONNECT_TIMEOUT_MS = 1_000;

/**
 * Connects to host:port, sends an HTTP/1.0 GET and prints, as JSON, what came back before the server closed
 * ("answered"), or that no connection was made within the timeout, or the socket error's code.
 */
const CLIENT = `
const net = require('node:net');
const [host, port, timeoutMs] = process.argv.slice(1);
let connected = false;
let text = '';
const socket = net.connect({ host, port: Number(port) });
const report = (result) => { clearTimeout(timer); process.stdout.write(JSON.stringify({ ...result, connected })); socket.destroy(); };
const timer = setTimeout(() => report({ outcome: 'timeout' }), Number(timeoutMs));
socket.setEncoding('utf8');
socket.on('connect', () => { connected = true; socket.write('GET / HTTP/1.0\\r\\nHost: ' + host + '\\r\\n\\r\\n'); });
socket.on('data', (chunk) => { text += chunk; });
socket.on('end', () => report({ outcome: 'answered', text }));
socket.on('error', (error) => report({ outcome: 'error', code: error.code }));
`;

/** Listens on host:0 and answers every connection with "hello from NAME"; prints the port once listening. */
const GREETER = `
const net = require('node:net');
const [host, name] = process.argv.slice(1);
const server = net.createServer((socket) => { socket.on('error', () => {}); socket.end('hello from ' + name); });
server.listen(0, host, () => console.log(server.address().port));
`;

interface Attempt {
  readonly outcome: 'answered' | 'timeout' | 'error';
  readonly connected: boolean;
  readonly text?: string;
  readonly code?: string;
}

async function connectFrom(lab: NetnsLab, instance: string, host: string, port: number): Promise<Attempt> {
  const { stdout } = await lab.exec(instance, process.execPath, ['-e', CLIENT, host, String(port), String(CONNECT_TIMEOUT_MS)]);
  return JSON.parse(stdout) as Attempt;
}

/** An HTTP 200 "ok" from the test's ingress. */
function assertReachedIngress(attempt: Attempt, who: string): void {
  assert.equal(attempt.outcome, 'answered', `${who}: ${JSON.stringify(attempt)}`);
  assert.match(attempt.text ?? '', /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/, who);
}

function assertTimedOut(attempt: Attempt, who: string): void {
  assert.deepEqual(attempt, { outcome: 'timeout', connected: false }, `${who}: no answer at all, neither a refusal nor a reset`);
}

async function neighbourOf(lab: NetnsLab, instance: string, address: string): Promise<{ lladdr?: string; state?: string[] } | undefined> {
  const { stdout } = await execFileAsync('ip', ['-j', '-n', lab.namespaceOf(instance), 'neigh', 'show', address, 'dev', LAB_INTERFACE]);
  return (JSON.parse(stdout || '[]') as Array<{ lladdr?: string; state?: string[] }>)[0];
}

/** Every namespace and link (any type) whose name starts with the prefix. */
async function labObjects(prefix: string): Promise<{ namespaces: string[]; links: string[] }> {
  const namespaces = (await execFileAsync('ip', ['-j', 'netns', 'list'])).stdout;
  const links = (await execFileAsync('ip', ['-j', 'link', 'show'])).stdout;
  return {
    namespaces: (JSON.parse(namespaces || '[]') as Array<{ name: string }>).map(({ name }) => name).filter((name) => name.startsWith(prefix)),
    links: (JSON.parse(links || '[]') as Array<{ ifname: string }>).map(({ ifname }) => ifname).filter((name) => name.startsWith(prefix)),
  };
}

/** Starts GREETER in the instance's namespace on its address; resolves with the process and its port. */
async function startGreeter(lab: NetnsLab, instance: string): Promise<{ child: ChildProcess; port: number }> {
  const command = lab.commandIn(instance, process.execPath, ['-e', GREETER, lab.instanceAddress(instance), instance]);
  const child = spawn(command.file, command.args, { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8');
  const [line] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit').then(() => assert.fail('the greeter exited before listening'))])) as [
    string,
  ];
  return { child, port: Number(line.trim()) };
}

/** A pid that was alive a moment ago and is not now: the owner of a "crashed" run. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid as number;
}

const skip = await whyNoNamespaces();

describe('network-namespace lab', { skip: skip ?? false, timeout: 15_000 }, () => {
  let lab: NetnsLab;
  let ingress: HttpIngress;

  before(async () => {
    lab = await createLab({ instances: ['a', 'b', 'c'], ingresses: 2, prefix: PREFIX });
    ingress = await startHttpIngress({ host: lab.ingressAddresses[0] });
  });

  after(async () => {
    await ingress?.close();
    await lab?.destroy();
  });

  it('gives each instance its own namespace and address, and the ingresses addresses on the bridge', () => {
    assert.deepEqual(lab.instances, ['a', 'b', 'c']);
    assert.equal(lab.namespaceOf('a'), `${PREFIX}${process.pid}-a`);
    const base = lab.bridgeAddress.replace(/\.1$/, '');
    assert.match(lab.subnet, /^198\.1[89]\.\d+\.0\/24$/);
    assert.deepEqual(
      ['a', 'b', 'c'].map((name) => lab.instanceAddress(name)),
      [11, 12, 13].map((host) => `${base}.${host}`),
    );
    assert.deepEqual(lab.ingressAddresses, [`${base}.101`, `${base}.102`]);
    assert.throws(() => lab.namespaceOf('z'), /no instance "z"/);
  });

  it('reaches an ingress bound by the test process from inside a namespace', async () => {
    const before = ingress.acceptedConnections();
    assertReachedIngress(await connectFrom(lab, 'a', ingress.address, ingress.port), 'a');
    assert.equal(ingress.acceptedConnections(), before + 1);
  });

  it('a cut path times out for that instance only, at once, and heals', async () => {
    const { address, port } = ingress;
    assertReachedIngress(await connectFrom(lab, 'a', address, port), 'a before the cut');
    // a has just learned the ingress's MAC address: the cut must replace that entry, not wait for it to expire.
    assert.notEqual((await neighbourOf(lab, 'a', address))?.lladdr, undefined);

    await lab.cut('a', address);
    assert.deepEqual(await neighbourOf(lab, 'a', address), { dst: address, lladdr: BLACKHOLE_MAC, state: ['PERMANENT'] });
    const accepted = ingress.acceptedConnections();
    const [fromA, fromB] = await Promise.all([connectFrom(lab, 'a', address, port), connectFrom(lab, 'b', address, port)]);
    assertTimedOut(fromA, 'a, cut');
    assertReachedIngress(fromB, 'b, not cut');
    assert.equal(ingress.acceptedConnections(), accepted + 1, 'only b got through');

    // The other ingress address of a is not cut.
    const other = await startHttpIngress({ host: lab.ingressAddresses[1] });
    try {
      assertReachedIngress(await connectFrom(lab, 'a', other.address, other.port), 'a to the other ingress');
    } finally {
      await other.close();
    }

    await lab.heal('a', address);
    assertReachedIngress(await connectFrom(lab, 'a', address, port), 'a, healed');
    await lab.heal('a', address); // healing a path that is not cut is harmless
  });

  it('instances reach each other, and a path between them can be cut', async () => {
    const greeter = await startGreeter(lab, 'b');
    try {
      const b = lab.instanceAddress('b');
      assert.deepEqual(await connectFrom(lab, 'a', b, greeter.port), { outcome: 'answered', text: 'hello from b', connected: true });

      await lab.cut('a', b);
      const [fromA, fromC] = await Promise.all([connectFrom(lab, 'a', b, greeter.port), connectFrom(lab, 'c', b, greeter.port)]);
      assertTimedOut(fromA, 'a to b, cut');
      assert.equal(fromC.text, 'hello from b', 'c to b, not cut');
      await lab.heal('a', b);
      assert.equal((await connectFrom(lab, 'a', b, greeter.port)).text, 'hello from b');
    } finally {
      greeter.child.kill();
    }
  });

  it('the test process reaches a Meridian started in a namespace, at the instance address', async () => {
    const zones = await makeZoneDir();
    const server = await startServerProcess({ zonesDir: zones.dir, netns: lab.namespaceOf('c'), host: lab.instanceAddress('c') });
    try {
      assert.equal(server.adminHost, lab.instanceAddress('c'));
      const dns = await dnsClient(server);
      try {
        assert.equal(await dns.addresses('api.eu.gslb.example.test'), '192.0.2.50');
      } finally {
        dns.close();
      }
      const health = await fetch(`http://${server.adminHost}:${String(server.adminPort)}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
    } finally {
      await server.stop();
      await zones.remove();
    }
  });

  it("removes a crashed run's leftovers, and leaves a live lab alone", async () => {
    const pid = await deadPid();
    const staleNamespace = `${PREFIX}${pid}-x`;
    const staleBridge = `${PREFIX}br511`;
    await execFileAsync('ip', ['netns', 'add', staleNamespace]);
    await execFileAsync('ip', ['link', 'add', staleBridge, 'type', 'bridge']);
    await execFileAsync('ip', ['link', 'set', staleBridge, 'alias', `${LINK_OWNER_MARK}${pid}`]);

    const second = await createLab({ instances: ['solo'], ingresses: 0, prefix: PREFIX });
    try {
      const { namespaces, links } = await labObjects(PREFIX);
      assert.ok(!namespaces.includes(staleNamespace), `${staleNamespace} removed`);
      assert.ok(!links.includes(staleBridge), `${staleBridge} removed`);
      assert.notEqual(second.subnet, lab.subnet, 'the second lab has a /24 of its own');
      assertReachedIngress(await connectFrom(lab, 'a', ingress.address, ingress.port), 'the first lab still works');
    } finally {
      await second.destroy();
    }
  });

  it('the exit fallback cleans up after a run that crashes without destroy()', async () => {
    const prefix = 'mrdx-';
    const helper = new URL('../helpers/netns-lab.js', import.meta.url).href;
    const script = `import { createLab } from '${helper}'; await createLab({ instances: ['a'], ingresses: 1, prefix: '${prefix}' }); throw new Error('crash');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 1, stderr);
    assert.match(stderr, /Error: crash/);
    assert.deepEqual(await labObjects(prefix), { namespaces: [], links: [] });
  });

  it('destroy() kills what runs in the namespaces and leaves nothing of the lab, also when called twice', async () => {
    const greeter = await startGreeter(lab, 'c');
    const exited = once(greeter.child, 'exit');
    await lab.destroy();
    const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, 'SIGKILL');
    assert.deepEqual(await labObjects(PREFIX), { namespaces: [], links: [] });
    const bridges = JSON.parse((await execFileAsync('ip', ['-j', 'link', 'show', 'type', 'bridge'])).stdout || '[]') as Array<{ ifname: string }>;
    assert.deepEqual(
      bridges.filter(({ ifname }) => ifname.startsWith(PREFIX)),
      [],
    );
    await lab.destroy();
    assert.deepEqual(await labObjects(PREFIX), { namespaces: [], links: [] });
  });
});
