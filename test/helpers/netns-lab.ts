// A network-namespace lab for tests with several Meridian instances: each instance gets its own namespace, so
// it probes from its own address, and one instance's path to one address can be cut (packets silently dropped,
// a connect times out) while the others still get through. Linux only, and it needs root (CI runs as root).
//
// Layout: a bridge in the test's own (root) namespace holds the lab's /24, its first address and the ingress
// addresses, so the test process binds its ingresses there; each namespace has a veth on the bridge. The cut
// points the namespace's neighbour entry for an address at a MAC address nobody has: no netem or nftables
// needed (neither is on the CI machine), and only that namespace's path to that one address is affected.
//
// Several labs may run at once (test files run in parallel), so each claims a free /24 in 198.18.0.0/15: the
// bridge's name carries the block, and creating a link whose name exists fails, which makes the claim atomic.

import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The namespace side of every instance's veth. */
export const LAB_INTERFACE = 'eth0';
/** The MAC address a cut path's neighbour entry points at: locally administered, and on no interface. */
export const BLACKHOLE_MAC = '02:00:00:00:00:99';
/** Written as the alias of every lab link, so a later run can tell whose it is. */
export const LINK_OWNER_MARK = 'meridian-netns-lab pid=';
const DEFAULT_PREFIX = 'mrd-';
/** 198.18.0.0/15 as /24 blocks: 198.18.0.0/24 is block 0, 198.19.255.0/24 block 511. */
const BLOCK_COUNT = 512;
const FIRST_INSTANCE_HOST = 11;
const FIRST_INGRESS_HOST = 101;
const IFNAMSIZ_LIMIT = 15;

export interface LabOptions {
  /** Instance names: letters, digits, '_' and '-'; unique. At most 90. */
  readonly instances: readonly string[];
  /** How many ingress addresses to add to the bridge. At most 154. */
  readonly ingresses: number;
  /** Starts every namespace and link name of the lab (default "mrd-"): a lowercase letter, then up to 7 of [a-z0-9-]. */
  readonly prefix?: string;
}

export interface NetnsLab {
  readonly prefix: string;
  /** The bridge in the root namespace. */
  readonly bridge: string;
  /** The lab's /24, e.g. "198.18.0.0/24" (another block when other labs are running). */
  readonly subnet: string;
  /** The bridge's own address (host .1), every namespace's default route. */
  readonly bridgeAddress: string;
  /** In the order given. */
  readonly instances: readonly string[];
  /** Host .101, .102, ... of the lab's /24, on the bridge in the root namespace: the test process binds them. */
  readonly ingressAddresses: readonly string[];
  /** Host .11 for the first instance, .12 for the second, ... */
  instanceAddress(instance: string): string;
  /** The instance's network namespace, for `ip netns exec` (or StartOptions.netns in server-process.ts). */
  namespaceOf(instance: string): string;
  /** `ip` and the arguments that run `file args...` inside the instance's namespace, for spawn(). */
  commandIn(instance: string, file: string, args?: readonly string[]): { readonly file: string; readonly args: string[] };
  /** Runs `file args...` inside the instance's namespace to its end; rejects with its stderr if it fails. */
  exec(instance: string, file: string, args?: readonly string[], options?: { readonly timeoutMs?: number }): Promise<{ stdout: string; stderr: string }>;
  /**
   * From now on, packets from the instance to `address` (an ingress, another instance or the bridge) are dropped
   * without an answer, also on connections already open. Other instances' paths are untouched.
   */
  cut(instance: string, address: string): Promise<void>;
  /** Undoes cut(): the next packet resolves the address afresh. Harmless when the path is not cut. */
  heal(instance: string, address: string): Promise<void>;
  /** Kills every process left in the namespaces, deletes them and the bridge. Idempotent; never rejects. */
  destroy(): Promise<void>;
}

/** Undefined when this process can create network namespaces, else why not (for a test's `skip`). */
export async function whyNoNamespaces(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root (CI runs as root)';
  const probe = `${DEFAULT_PREFIX}${process.pid}-probe`;
  try {
    await ip(['netns', 'add', probe]);
  } catch (error) {
    return `cannot create a network namespace: ${(error as Error).message}`;
  }
  await ip(['netns', 'del', probe]).catch(logProblem);
  return undefined;
}

/** True when running as root and `ip netns add` works. */
export async function canCreateNamespaces(): Promise<boolean> {
  return (await whyNoNamespaces()) === undefined;
}

export async function createLab(options: LabOptions): Promise<NetnsLab> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  validateLabOptions(prefix, options);
  const owner = `${LINK_OWNER_MARK}${process.pid}`;
  const isAlive = (pid: number) => pid === process.pid || processAlive(pid);

  await removeLeftovers(prefix, isAlive);

  const namespaces = new Map(options.instances.map((name) => [name, namespaceName(prefix, process.pid, name)]));
  const created: Created = { namespaces: [], links: [], bridge: undefined };
  const onExit = () => destroySync(created);
  process.on('exit', onExit);
  let destroyed: Promise<void> | undefined;
  const destroy = () => {
    destroyed ??= destroyAll(created).finally(() => process.off('exit', onExit));
    return destroyed;
  };

  try {
    const block = await claimBlock(prefix, owner, created);
    const bridge = created.bridge as string;
    const address = (host: number) => blockAddress(block, host);
    const bridgeAddress = address(1);
    const ingressAddresses = Array.from({ length: options.ingresses }, (_, j) => address(FIRST_INGRESS_HOST + j));
    const addresses = new Map(options.instances.map((name, i) => [name, address(FIRST_INSTANCE_HOST + i)]));

    for (const ingress of ingressAddresses) await ip(['addr', 'add', `${ingress}/24`, 'dev', bridge]);
    await ip(['link', 'set', bridge, 'up']);
    await removeStaleVeths(prefix, block);

    for (const [i, name] of options.instances.entries()) {
      const ns = namespaces.get(name) as string;
      const veth = vethName(prefix, block, i);
      await ip(['netns', 'add', ns]).catch((error: Error) => {
        if (!/File exists/.test(error.message)) throw error;
        throw new Error(`namespace ${ns} exists: another lab of this process, with the same prefix, has an instance "${name}"`, { cause: error });
      });
      created.namespaces.push(ns);
      await ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', LAB_INTERFACE, 'netns', ns]);
      created.links.push(veth);
      await ip(['link', 'set', veth, 'alias', owner]);
      await ip(['link', 'set', veth, 'master', bridge, 'up']);
      await ip(['-n', ns, 'addr', 'add', `${addresses.get(name) as string}/24`, 'dev', LAB_INTERFACE]);
      await ip(['-n', ns, 'link', 'set', LAB_INTERFACE, 'up']);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      await ip(['-n', ns, 'route', 'add', 'default', 'via', bridgeAddress]);
    }

    const known = (instance: string) => {
      const ns = namespaces.get(instance);
      if (ns === undefined) throw new Error(`no instance "${instance}" in this lab (instances: ${options.instances.join(', ')})`);
      return ns;
    };
    const cuttable = (instance: string, target: string) => {
      const ns = known(instance);
      const reachable = [bridgeAddress, ...ingressAddresses, ...addresses.values()];
      if (!reachable.includes(target) || target === addresses.get(instance)) {
        throw new Error(`${target} is not an address ${instance} reaches over the lab's bridge (${reachable.join(', ')})`);
      }
      return ns;
    };
    const commandIn = (instance: string, file: string, args: readonly string[] = []) => ({
      file: 'ip',
      args: ['netns', 'exec', known(instance), file, ...args],
    });

    return {
      prefix,
      bridge,
      subnet: `${address(0)}/24`,
      bridgeAddress,
      instances: [...options.instances],
      ingressAddresses,
      instanceAddress: (instance) => {
        known(instance);
        return addresses.get(instance) as string;
      },
      namespaceOf: known,
      commandIn,
      exec: (instance, file, args = [], execOptions = {}) => {
        const command = commandIn(instance, file, args);
        return run(command.file, command.args, execOptions.timeoutMs);
      },
      cut: async (instance, target) => {
        const ns = cuttable(instance, target);
        // `replace` overwrites an entry the namespace has already learned, so the very next packet is dropped.
        await ip(['-n', ns, 'neigh', 'replace', target, 'lladdr', BLACKHOLE_MAC, 'dev', LAB_INTERFACE, 'nud', 'permanent']);
      },
      heal: async (instance, target) => {
        const ns = cuttable(instance, target);
        await ip(['-n', ns, 'neigh', 'del', target, 'dev', LAB_INTERFACE]).catch((error: Error) => {
          if (!/No such file or directory/.test(error.message)) throw error;
        });
      },
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}

// ---- Pure parts (unit-tested in test/unit/netns-lab.test.ts) ----

/** The address of `host` in /24 block `block` of 198.18.0.0/15. */
export function blockAddress(block: number, host: number): string {
  return `198.${18 + (block >> 8)}.${block & 255}.${host}`;
}

/** The /24 block of 198.18.0.0/15 an IPv4 address is in, or undefined outside that range. */
export function blockOf(address: string): number | undefined {
  const match = /^198\.(18|19)\.(\d{1,3})\.\d{1,3}$/.exec(address);
  if (!match) return undefined;
  return (Number(match[1]) - 18) * 256 + Number(match[2]);
}

/** The blocks, lowest first, not holding any of `addresses` (the root namespace's, with other labs' bridges). */
export function freeBlocks(addresses: readonly string[]): number[] {
  const used = new Set(addresses.map(blockOf));
  return Array.from({ length: BLOCK_COUNT }, (_, block) => block).filter((block) => !used.has(block));
}

export function namespaceName(prefix: string, pid: number, instance: string): string {
  return `${prefix}${pid}-${instance}`;
}

export function bridgeName(prefix: string, block: number): string {
  return `${prefix}br${block}`;
}

export function vethName(prefix: string, block: number, index: number): string {
  return `${prefix}${block}v${index}`;
}

/** The namespaces of `names` that a lab with `prefix` made in a process that is gone. */
export function staleNamespaces(prefix: string, names: readonly string[], isAlive: (pid: number) => boolean): string[] {
  const pattern = new RegExp(`^${escapeRegExp(prefix)}(\\d+)-`);
  return names.filter((name) => {
    const match = pattern.exec(name);
    return match !== null && !isAlive(Number(match[1]));
  });
}

/**
 * The links (name and alias) that a lab with `prefix` made in a process that is gone. A link without the owner
 * mark is left alone: its lab may be between creating it and marking it.
 */
export function staleLinks(prefix: string, links: ReadonlyArray<{ name: string; alias?: string }>, isAlive: (pid: number) => boolean): string[] {
  return links
    .filter(({ name, alias }) => {
      if (!name.startsWith(prefix) || alias === undefined || !alias.startsWith(LINK_OWNER_MARK)) return false;
      const pid = Number(alias.slice(LINK_OWNER_MARK.length));
      return Number.isInteger(pid) && pid > 0 && !isAlive(pid);
    })
    .map(({ name }) => name);
}

/** Throws when the lab's names would not fit Linux's limits or its addresses would not fit its /24. */
export function validateLabOptions(prefix: string, options: LabOptions): void {
  if (!/^[a-z][a-z0-9-]{0,7}$/.test(prefix)) throw new Error(`lab prefix "${prefix}": a lowercase letter, then up to 7 of [a-z0-9-]`);
  if (options.instances.length === 0) throw new Error('a lab needs at least one instance');
  if (options.instances.length > FIRST_INGRESS_HOST - FIRST_INSTANCE_HOST) {
    throw new Error(`at most ${FIRST_INGRESS_HOST - FIRST_INSTANCE_HOST} instances, not ${options.instances.length}`);
  }
  if (!Number.isInteger(options.ingresses) || options.ingresses < 0 || FIRST_INGRESS_HOST + options.ingresses > 255) {
    throw new Error(`ingresses: a whole number from 0 to ${255 - FIRST_INGRESS_HOST}, not ${options.ingresses}`);
  }
  for (const name of options.instances) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(name)) throw new Error(`instance name "${name}": 1 to 32 of letters, digits, '_' and '-'`);
  }
  const duplicate = options.instances.find((name, i) => options.instances.indexOf(name) !== i);
  if (duplicate !== undefined) throw new Error(`instance "${duplicate}" given twice`);
  const longest = [bridgeName(prefix, BLOCK_COUNT - 1), vethName(prefix, BLOCK_COUNT - 1, options.instances.length - 1)];
  for (const name of longest) {
    if (name.length > IFNAMSIZ_LIMIT) throw new Error(`interface name ${name} would be longer than ${IFNAMSIZ_LIMIT} characters`);
  }
}

// ---- Commands ----

interface Created {
  namespaces: string[];
  /** Root-side veths; deleting one deletes its namespace end too, at once (a namespace's own goes later). */
  links: string[];
  bridge: string | undefined;
}

async function run(file: string, args: readonly string[], timeoutMs = 10_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(file, args, { encoding: 'utf8', timeout: timeoutMs });
  } catch (error) {
    const failure = error as Error & { code?: number | string; signal?: string | null; stderr?: string };
    const how = failure.signal ? `signal ${failure.signal}` : `exit ${String(failure.code)}`;
    throw new Error(`${[file, ...args].join(' ')} failed (${how}): ${failure.stderr?.trim() || failure.message}`, { cause: error });
  }
}

async function ip(args: readonly string[]): Promise<string> {
  return (await run('ip', args)).stdout;
}

/** `ip -j ...` output: empty when there is nothing to list (`ip -j netns list` with no namespace). */
function parseJson<T>(text: string): T[] {
  return text.trim() === '' ? [] : (JSON.parse(text) as T[]);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function removeLeftovers(prefix: string, isAlive: (pid: number) => boolean): Promise<void> {
  const namespaces = parseJson<{ name: string }>(await ip(['-j', 'netns', 'list'])).map(({ name }) => name);
  for (const ns of staleNamespaces(prefix, namespaces, isAlive)) await removeNamespace(ns);
  const links = parseJson<{ ifname: string; ifalias?: string }>(await ip(['-j', 'link', 'show']));
  for (const link of staleLinks(
    prefix,
    links.map(({ ifname, ifalias }) => ({ name: ifname.split('@')[0], alias: ifalias })),
    isAlive,
  )) {
    await ip(['link', 'del', link]).catch(logProblem);
  }
}

/** Creates the bridge of the lowest free block, marks it as this process's and gives it host .1. */
async function claimBlock(prefix: string, owner: string, created: Created): Promise<number> {
  const addresses = parseJson<{ addr_info?: Array<{ family: string; local: string }> }>(await ip(['-j', 'addr', 'show']));
  const used = addresses.flatMap(({ addr_info }) => (addr_info ?? []).filter(({ family }) => family === 'inet').map(({ local }) => local));
  for (const block of freeBlocks(used)) {
    const bridge = bridgeName(prefix, block);
    try {
      await ip(['link', 'add', bridge, 'type', 'bridge']);
    } catch (error) {
      if (/File exists/.test((error as Error).message)) continue; // another lab's block
      throw error;
    }
    created.bridge = bridge;
    await ip(['link', 'set', bridge, 'alias', owner]);
    await ip(['addr', 'add', `${blockAddress(block, 1)}/24`, 'dev', bridge]);
    return block;
  }
  throw new Error(`no free /24 left in 198.18.0.0/15 for a lab bridge`);
}

/** A veth of a crashed lab with this block may still be going away: its names are this lab's now. */
async function removeStaleVeths(prefix: string, block: number): Promise<void> {
  const pattern = new RegExp(`^${escapeRegExp(prefix)}${block}v\\d+$`);
  const links = parseJson<{ ifname: string }>(await ip(['-j', 'link', 'show', 'type', 'veth']));
  for (const { ifname } of links) {
    const name = ifname.split('@')[0];
    if (pattern.test(name)) await ip(['link', 'del', name]).catch(logProblem);
  }
}

async function pidsIn(ns: string): Promise<number[]> {
  return (await ip(['netns', 'pids', ns])).split(/\s+/).filter(Boolean).map(Number);
}

/** Kills what still runs in the namespace, waits (up to 2 s) until it has gone, and deletes the namespace. */
async function removeNamespace(ns: string): Promise<void> {
  try {
    const deadline = performance.now() + 2_000;
    let pids = await pidsIn(ns);
    while (pids.length > 0) {
      for (const pid of pids) killQuietly(pid);
      if (performance.now() > deadline) {
        logProblem(new Error(`processes ${pids.join(', ')} still in namespace ${ns} 2 s after SIGKILL`));
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20)); // lets our own children be reaped
      pids = await pidsIn(ns);
    }
  } catch (error) {
    logProblem(error);
  }
  await ip(['netns', 'del', ns]).catch(logProblem);
}

// Items leave `created` one by one as they go, so the exit fallback, should the process end midway, does the rest.
async function destroyAll(created: Created): Promise<void> {
  for (let link = created.links.shift(); link !== undefined; link = created.links.shift()) await ip(['link', 'del', link]).catch(quietIfGone);
  for (let ns = created.namespaces.shift(); ns !== undefined; ns = created.namespaces.shift()) await removeNamespace(ns);
  const bridge = created.bridge;
  created.bridge = undefined;
  if (bridge !== undefined) await ip(['link', 'del', bridge]).catch(logProblem);
}

/** The 'exit' fallback when a test run ends without destroy(): synchronous, so it can run in an exit handler. */
function destroySync(created: Created): void {
  const ipSync = (args: string[]) => {
    try {
      return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim() ?? '';
      if (!/Cannot find device/.test(stderr)) logProblem(new Error(`ip ${args.join(' ')} failed: ${stderr}`));
      return '';
    }
  };
  for (const link of created.links.splice(0)) ipSync(['link', 'del', link]);
  for (const ns of created.namespaces.splice(0)) {
    for (const pid of ipSync(['netns', 'pids', ns]).split(/\s+/).filter(Boolean)) killQuietly(Number(pid));
    ipSync(['netns', 'del', ns]);
  }
  if (created.bridge !== undefined) ipSync(['link', 'del', created.bridge]);
  created.bridge = undefined;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** A root-side veth also goes when its namespace does (later, asynchronously): gone already is fine. */
function quietIfGone(error: Error): void {
  if (!/Cannot find device/.test(error.message)) logProblem(error);
}

function logProblem(error: unknown): void {
  process.stderr.write(`netns-lab: ${error instanceof Error ? error.message : String(error)}\n`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
