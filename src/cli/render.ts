// Terminal rendering for the operator commands (`meridian status`, `explain`, `drain`, `undrain`): pure
// functions from the admin server's JSON documents to lines of text. Nothing here does I/O or reads the clock:
// ages are measured from the document's own `generatedAt` (or the `now` given), and colour is a parameter, so
// the output is the same for the same input and is tested as such. The /status and /explain documents arrive
// typed: the commands check them against their schemas first (status-schema.ts), so a server of another version
// that leaves out or changes a field is one clear error rather than a picture with holes.

import type {
  AddressStatus,
  BalancedRecordStatus,
  CheckView,
  ExplainDocument,
  PeerGroupView,
  RecordAnswer,
  StatusDocument,
  VoteView,
  ClientExplanation,
  DnssecView,
  RegionHealth,
  RegionStatus,
  WalkAnswer,
} from '../observability/status-document.js';

export interface RenderOptions {
  /** ANSI colours (stdout is a TTY and NO_COLOR is not set). */
  readonly color: boolean;
  /** Clock ms that ages are measured from when the document has no `generatedAt`. */
  readonly now?: number;
}

// ---- reading untyped JSON ----

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** A scalar as text for a table cell; '-' when absent. */
function text(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

// ---- colour ----

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
} as const;

export type Style = keyof typeof CODES;

export function paint(color: boolean, style: Style, value: string): string {
  if (!color || value === '') return value;
  const [open, close] = CODES[style];
  return `\u001b[${open}m${value}\u001b[${close}m`;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export function stripAnsi(value: string): string {
  return value.replace(ANSI, '');
}

function visibleWidth(value: string): number {
  return [...stripAnsi(value)].length;
}

function healthStyle(health: string): Style {
  switch (health) {
    case 'up':
      return 'green';
    case 'down':
      return 'red';
    default:
      return 'yellow';
  }
}

// ---- time ----

/** A duration in seconds as an operator reads it: 0s, 45s, 3m12s, 2h5m, 3d4h. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`;
}

/** "3m12s ago" for a past instant, "in 2d3h" for a future one. */
export function formatAge(seconds: number): string {
  return seconds >= 0 ? `${formatSeconds(seconds)} ago` : `in ${formatSeconds(-seconds)}`;
}

/** Seconds from an ISO instant to `now`, or undefined when either is unknown or unparsable. */
function secondsSince(iso: string | null | undefined, now: number | undefined): number | undefined {
  const at = iso === null || iso === undefined ? NaN : Date.parse(iso);
  if (Number.isNaN(at) || now === undefined) return undefined;
  return (now - at) / 1000;
}

/** How long ago `iso` was: the server's own count of seconds when it gives one, else measured from `now`. */
function ago(iso: string | null | undefined, now: number | undefined, seconds?: number | null): string {
  const s = seconds ?? secondsSince(iso, now);
  if (s !== undefined) return formatAge(s);
  return iso ?? '-';
}

function referenceTime(generatedAt: string, options: RenderOptions): number | undefined {
  const generated = Date.parse(generatedAt);
  return Number.isNaN(generated) ? options.now : generated;
}

function formatMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${Math.round(ms * 10) / 10} ms`;
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** A latency sparkline of the last `max` samples, scaled to their own range. */
export function sparkline(values: readonly number[], max = 12): string {
  const recent = values.slice(-max);
  if (recent.length < 2) return '';
  const low = Math.min(...recent);
  const high = Math.max(...recent);
  return recent.map((v) => SPARKS[high === low ? 0 : Math.round(((v - low) / (high - low)) * (SPARKS.length - 1))]).join('');
}

// ---- tables ----

/**
 * Columns padded to their widest visible cell (colour codes do not count), two spaces apart, with no trailing
 * spaces. `indent` prefixes every line.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], color: boolean, indent = '  '): string[] {
  const widths = headers.map((h, i) => Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i] - visibleWidth(cell))))
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => paint(color, 'bold', h))), ...rows.map((r) => line(headers.map((_, i) => r[i] ?? '')))];
}

// ---- answers ----

/** How many possible answers `status` and `explain` list before "+N more". */
const STATUS_ANSWER_SETS = 4;
const EXPLAIN_ANSWER_SETS = 12;

/**
 * The possible answers: `[{addresses, probability}]` → "192.0.2.10 (75%) | 192.0.2.20, 2001:db8::20 (25%)", the
 * first `max` of them (a record answering with several addresses in weighted order has many orders).
 */
export function formatAnswerSets(sets: unknown, max = Infinity): string {
  const all = arr(sets);
  if (all.length === 0) return '';
  const entries = all.slice(0, max);
  const more = all.length > entries.length ? ` | +${all.length - entries.length} more` : '';
  return (
    entries
      .map((entry) => {
        if (typeof entry === 'string') return entry;
        const e = obj(entry);
        const addresses = arr(e?.addresses).filter((a): a is string => typeof a === 'string');
        const p = num(e?.probability);
        const list = addresses.length === 0 ? '(none)' : addresses.join(', ');
        return p === undefined || p >= 1 ? list : `${list} (${Math.round(p * 1000) / 10}%)`;
      })
      .join(' | ') + more
  );
}

const RULES: Readonly<Record<string, string>> = {
  healthy: 'the healthy targets that are not drained answer',
  'fail-open': 'no target is healthy and whenAllDown is all: every target that is not drained answers (fail open)',
  'all-down': 'no target is healthy and whenAllDown is none: no address is served (NODATA)',
  'others-healthy': 'no target is healthy for this type, but one is for the other type: no address of this type is served (NODATA)',
  'no-addresses': 'no target has an address of this type: no address is served (NODATA)',
};

/** The rule that picked an answer, in words: the server's own (`ruleText`) when it gives them. */
export function describeRule(rule: string | undefined, drainsIgnored: boolean, serverText?: string): string {
  const words = rule === undefined ? (serverText ?? 'unknown') : `${rule}: ${serverText ?? RULES[rule] ?? 'see the server documentation'}`;
  return drainsIgnored ? `${words}; every target is drained, so the drains are ignored` : words;
}

function ruleStyle(rule: string | undefined): Style {
  // others-healthy: the name still answers, in the other family.
  return rule === 'healthy' ? 'green' : rule === 'fail-open' || rule === 'others-healthy' ? 'yellow' : 'red';
}

// ---- meridian status ----

function statusHeader(doc: StatusDocument, options: RenderOptions, now: number | undefined, admin: string | undefined): string[] {
  const c = options.color;
  const readyText = doc.ready ? paint(c, 'green', 'ready') : paint(c, 'red', 'not ready');
  const lines = [`${paint(c, 'bold', 'Meridian')}${admin === undefined ? '' : ` at ${admin}`}: ${readyText}`];
  const reload = doc.lastReload;
  const outcome = reload.ok ? paint(c, 'green', 'ok') : paint(c, 'red', 'failed');
  const serials = Object.entries(reload.serials).map(([zone, serial]) => `${zone} ${serial}`);
  lines.push(`last reload: ${outcome}, ${ago(reload.at, now)}${serials.length === 0 ? '' : ` (serials: ${serials.join(', ')})`}`);
  for (const issue of reload.issues) lines.push(`  ${paint(c, 'red', '!')} ${text(issue)}`);
  lines.push(paint(c, 'dim', `as of ${doc.generatedAt}`));
  return lines;
}

function clustersSection(doc: StatusDocument, options: RenderOptions, now: number | undefined): string[] {
  const c = options.color;
  if (doc.clusters.length === 0) return [];
  const rows = doc.clusters.map((cluster) => {
    const state = cluster.synced ? paint(c, 'green', 'synced') : cluster.late ? paint(c, 'red', 'not synced (late)') : paint(c, 'yellow', 'syncing');
    const resources = cluster.resources.map((r) => `${r.resource}${r.synced ? '' : '*'} ${r.objects}`).join(', ');
    return [
      cluster.name,
      state,
      ago(cluster.lastEventAt, now, cluster.lastEventAgeSeconds),
      cluster.errors > 0 ? paint(c, 'red', String(cluster.errors)) : String(cluster.errors),
      resources || '-',
    ];
  });
  return ['', paint(c, 'bold', 'CLUSTERS'), ...table(['NAME', 'SYNC', 'LAST EVENT', 'ERRORS', 'OBJECTS'], rows, c)];
}

/** A peer's clock skew: signed, in ms below 10 s; '-' when not measured. */
export function formatSkew(ms: number | null): string {
  if (ms === null) return '-';
  const sign = ms > 0 ? '+' : ms < 0 ? '-' : '±';
  const size = Math.abs(ms);
  return size < 10_000 ? `${sign}${Math.round(size)} ms` : `${sign}${formatSeconds(size / 1000)}`;
}

function peerGroupSection(group: PeerGroupView | undefined, options: RenderOptions, now: number | undefined): string[] {
  if (group === undefined) return [];
  const c = options.color;
  const head = `${paint(c, 'bold', 'PEER GROUP')}  instance ${group.instance}, quorum: ${group.quorum}, a peer silent for ${formatSeconds(group.staleAfterSeconds)} no longer votes`;
  if (group.peers.length === 0) return ['', head, `  ${paint(c, 'dim', 'no peers: this instance decides alone')}`];
  const rows = group.peers.map((peer) => [
    peer.instance,
    text(peer.url),
    peer.connected ? paint(c, 'green', 'connected') : paint(c, 'red', 'down'),
    peer.fresh ? paint(c, 'green', 'fresh') : paint(c, 'yellow', 'stale: not voting'),
    peer.lastMessageAt === null && peer.lastMessageAgeSeconds === null ? 'never' : ago(peer.lastMessageAt, now, peer.lastMessageAgeSeconds),
    formatSkew(peer.clockSkewMs),
    peer.unknownVerdicts > 0 ? `${peer.verdicts} (${paint(c, 'red', `${peer.unknownVerdicts} unknown`)})` : String(peer.verdicts),
  ]);
  // A peer voting on probes this one does not have is not voting on this one's targets at all: say why, loudly.
  const warnings = group.peers
    .filter((peer) => peer.unknownVerdicts > 0)
    .map(
      (peer) =>
        `  ${paint(c, 'red', '!')} ${peer.instance} sends ${peer.unknownVerdicts} ${peer.unknownVerdicts === 1 ? 'verdict' : 'verdicts'} about probes this instance does not have: serves other zone files? (ignored; mid-rollout, or a different check)`,
    );
  return ['', head, ...table(['PEER', 'URL', 'LINK', 'VOTING', 'LAST MESSAGE', 'CLOCK SKEW', 'VERDICTS'], rows, c), ...warnings];
}

/** The vantage points on an address: "down (quorum 2/3: here down, b down, c up)"; the decision's voters over all fresh voters. */
export function formatVotes(health: string, votes: readonly VoteView[], color = false): string {
  const voting = votes.filter((v) => v.fresh && v.verdict !== 'none');
  const agreeing = voting.filter((v) => v.verdict === health).length;
  const say = (v: VoteView) => {
    const who = v.instance === 'self' ? 'here' : v.instance;
    const verdict = v.verdict === 'none' ? 'no verdict' : paint(color, healthStyle(v.verdict), v.verdict);
    return `${who} ${verdict}${v.fresh ? '' : ' (stale)'}`;
  };
  const tally = voting.length === 0 ? 'no votes' : `quorum ${agreeing}/${voting.length}`;
  return `${paint(color, healthStyle(health), health)} (${tally}: ${votes.map(say).join(', ')})`;
}

function drainsSection(doc: StatusDocument, options: RenderOptions, now: number | undefined): string[] {
  const c = options.color;
  if (doc.drains.length === 0) return ['', `${paint(c, 'bold', 'DRAINS')}: none`];
  const rows = doc.drains.map((d) => [
    paint(c, 'magenta', text(d.target)),
    ago(d.since, now),
    text(d.by),
    text(d.reason),
    d.until === undefined ? '-' : `${ago(d.until, now)} (${d.until})`,
  ]);
  return ['', paint(c, 'bold', 'DRAINS'), ...table(['TARGET', 'SINCE', 'BY', 'REASON', 'UNTIL'], rows, c)];
}

function maintenanceSection(doc: StatusDocument, options: RenderOptions, now: number | undefined): string[] {
  const c = options.color;
  if (doc.maintenance.length === 0) return ['', `${paint(c, 'bold', 'MAINTENANCE WINDOWS')}: none`];
  const rows = doc.maintenance.map((w) => {
    const state = w.active ? paint(c, 'magenta', `active${w.activeUntil === undefined ? '' : ` until ${w.activeUntil}`}`) : 'idle';
    const next = w.next === null ? '-' : `${ago(w.next, now)} (${w.next})`;
    return [text(w.zone), text(w.target), text(w.cron), text(w.duration), state, next];
  });
  return ['', paint(c, 'bold', 'MAINTENANCE WINDOWS'), ...table(['ZONE', 'TARGET', 'CRON', 'DURATION', 'STATE', 'NEXT'], rows, c)];
}

function transitionsSection(doc: StatusDocument, options: RenderOptions, now: number | undefined, limit: number): string[] {
  const c = options.color;
  const transitions = doc.transitions;
  if (transitions.length === 0) return [];
  const recent = [...transitions].sort((a, b) => (Date.parse(b.at) || 0) - (Date.parse(a.at) || 0)).slice(0, limit);
  const rows = recent.map((t) => [ago(t.at, now), text(t.record), text(t.address), `${t.from} → ${paint(c, healthStyle(t.to), t.to)}`, text(t.reason)]);
  const title = transitions.length > limit ? `RECENT TRANSITIONS (latest ${limit} of ${transitions.length})` : 'RECENT TRANSITIONS';
  return ['', paint(c, 'bold', title), ...table(['WHEN', 'RECORD', 'ADDRESS', 'CHANGE', 'REASON'], rows, c)];
}

function checkSummary(check: CheckView | null): string {
  if (check === null) return 'no health check';
  const httpPath = check.protocol.startsWith('http') ? ` ${check.path}` : '';
  return `${check.protocol} :${check.port}${httpPath} every ${formatSeconds(check.intervalMs / 1000)}`;
}

function recordAnswer(answer: RecordAnswer | undefined, color: boolean): string {
  if (answer === undefined) return '-';
  const parts: string[] = [];
  for (const type of ['A', 'AAAA'] as const) {
    const sets = formatAnswerSets(answer[type], STATUS_ANSWER_SETS);
    if (sets !== '') parts.push(`${type} ${sets}`);
  }
  const served = parts.length === 0 ? paint(color, 'red', 'no addresses (NODATA)') : parts.join('; ');
  const drains = answer.drainsIgnored ? ', drains ignored: every target is drained' : '';
  // Shares of a sample are estimates: say so rather than pass them off as exact.
  const sampled = answer.sampled ? ', sampled' : '';
  return `${served}  [${paint(color, ruleStyle(answer.rule), answer.rule)}${drains}${sampled}]`;
}

/** A walk's answer for one family: `eu-west 192.0.2.1 (skipped us-east)`, or `-` for NODATA. */
function walkCell(answer: WalkAnswer, color: boolean): string {
  const sets = formatAnswerSets(answer.answer, STATUS_ANSWER_SETS);
  if (sets === '') return answer.rule === 'no-addresses' ? '-' : paint(color, 'red', 'NODATA');
  const region = answer.region === undefined ? '' : `${paint(color, answer.rule === 'healthy' ? 'green' : 'red', answer.region)} `;
  const skipped = answer.skipped.length === 0 ? '' : paint(color, 'dim', ` (skipped ${answer.skipped.join(', ')})`);
  const rule = answer.rule === 'healthy' ? '' : ` [${paint(color, ruleStyle(answer.rule), answer.rule)}]`;
  return `${region}${sets}${skipped}${rule}`;
}

function regionHealthText(health: RegionHealth, color: boolean): string {
  return paint(color, health === 'up' ? 'green' : health === 'down' ? 'red' : health === 'drained' ? 'magenta' : 'dim', health);
}

/** A geo record's regions and each walk's answer; a sticky record's subnet sizes. */
function geoLines(record: BalancedRecordStatus, color: boolean): string[] {
  const lines: string[] = [];
  if (record.geo !== undefined) {
    const hasV6 = record.geo.regions.some((r) => r.AAAA !== 'none');
    const region = (r: RegionStatus) => `${r.region} ${regionHealthText(r.A, color)}${hasV6 ? `/${regionHealthText(r.AAAA, color)}` : ''}`;
    lines.push(`    regions${hasV6 ? ' (A/AAAA)' : ''}: ${record.geo.regions.map(region).join(', ')}`);
    const rows = record.geo.walks.map((w) => [w.clients.join(', '), w.walk.join(' > '), walkCell(w.A, color), walkCell(w.AAAA, color)]);
    lines.push('    answer per walk:', ...table(['CLIENTS', 'WALK', 'A', 'AAAA'], rows, color, '      '));
  }
  if (record.sticky !== undefined)
    lines.push(`    sticky: each /${record.sticky.ipv4Prefix} (IPv4) and /${record.sticky.ipv6Prefix} (IPv6) keeps its target while it is healthy`);
  return lines;
}

/** A signed zone's keys and the time left on its earliest signature. */
function dnssecLine(dnssec: DnssecView, color: boolean): string {
  const keys = dnssec.keys.map((k) => `${k.keyTag} ${k.algorithm}${k.flags === 257 ? ' KSK' : ''}${k.signing ? '' : ' (published only)'}`).join(', ');
  const seconds = dnssec.earliestExpirySeconds;
  const expiry = seconds === null ? 'no signature yet' : `earliest signature expires in ${formatSeconds(seconds)} (${dnssec.earliestExpiry ?? ''})`;
  return `${paint(color, 'green', 'signed')}: keys ${keys}; ${expiry}`;
}

function latencyCell(address: AddressStatus): string {
  const samples = address.latencyMs ?? [];
  const last = samples.at(-1) ?? address.lastResult?.durationMs;
  if (last === undefined) return '-';
  const spark = sparkline(samples);
  return spark === '' ? formatMs(last) : `${formatMs(last)} ${spark}`;
}

function balancedRecord(record: BalancedRecordStatus, options: RenderOptions, now: number | undefined): string[] {
  const c = options.color;
  const lines = [
    `  ${paint(c, 'cyan', text(record.name))}  ${record.policy}, when all down: ${record.whenAllDown}, ${checkSummary(record.check)}`,
    `    answer${record.geo === undefined ? '' : ' (clients no rule covers)'}: ${recordAnswer(record.answer, c)}`,
    ...geoLines(record, c),
  ];
  const failover = record.policy === 'failover';
  const rows: string[][] = [];
  for (const target of record.targets) {
    const label = `#${target.index} ${text(target.target)}${target.cluster === undefined ? '' : ` (cluster ${target.cluster})`}${target.region === undefined ? '' : ` [${target.region}]`}`;
    // A failover target's priority is its place in the list.
    const rank = String(failover ? target.index + 1 : target.weight);
    if (target.addresses.length === 0)
      rows.push([label, rank, paint(c, 'dim', '(no addresses)'), '-', target.drained ? paint(c, 'magenta', 'drained') : '-', '-', '-', '-']);
    target.addresses.forEach((address, n) => {
      const drained = target.drained || address.drained;
      const lastFailure = address.lastFailure;
      const reason =
        text(address.reason) +
        (address.health !== 'down' && lastFailure !== undefined
          ? paint(c, 'dim', ` (last failure: ${text(lastFailure.reason)}, ${ago(lastFailure.at, now)})`)
          : '');
      rows.push([
        // A target's label and weight once, on its first address.
        n === 0 ? label : '',
        n === 0 ? rank : '',
        address.address,
        address.votes === undefined ? paint(c, healthStyle(address.health), address.health) : formatVotes(address.health, address.votes, c),
        drained ? paint(c, 'magenta', 'drained') : '-',
        reason,
        address.since === undefined && address.sinceSeconds === undefined ? '-' : ago(address.since, now, address.sinceSeconds),
        latencyCell(address),
      ]);
    });
  }
  return [...lines, ...table(['TARGET', failover ? 'PRIORITY' : 'WEIGHT', 'ADDRESS', 'HEALTH', 'DRAINED', 'REASON', 'SINCE', 'LATENCY'], rows, c, '    ')];
}

export interface StatusRenderOptions extends RenderOptions {
  /** The admin URL, named in the header. */
  readonly admin?: string;
  /** How many recent transitions to list (default 10; 0: none). */
  readonly transitions?: number;
}

/** `meridian status`: the /status document (checked against its schema: status-schema.ts) as a terminal picture. */
export function renderStatus(doc: StatusDocument, options: StatusRenderOptions): string[] {
  const now = referenceTime(doc.generatedAt, options);
  const c = options.color;
  const lines = [
    ...statusHeader(doc, options, now, options.admin),
    ...peerGroupSection(doc.peerGroup, options, now),
    ...clustersSection(doc, options, now),
    ...drainsSection(doc, options, now),
    ...maintenanceSection(doc, options, now),
  ];
  for (const zone of doc.zones) {
    lines.push('', `${paint(c, 'bold', `ZONE ${zone.zone}`)}  serial ${zone.serial}${paint(c, 'dim', `  ${zone.file}`)}`);
    if (zone.dnssec !== undefined) lines.push(`  ${dnssecLine(zone.dnssec, c)}`);
    const others: string[][] = [];
    for (const record of zone.records) {
      if (record.kind === 'balanced') lines.push(...balancedRecord(record, options, now));
      else others.push([record.name, record.kind]);
    }
    if (others.length > 0) {
      lines.push(`  ${paint(c, 'dim', 'static data, always served:')}`);
      const width = Math.max(...others.map(([name]) => visibleWidth(name)));
      for (const [name, kind] of others) lines.push(`    ${name}${' '.repeat(width - visibleWidth(name))}  ${paint(c, 'dim', kind)}`);
    }
  }
  if ((options.transitions ?? 10) > 0) lines.push(...transitionsSection(doc, options, now, options.transitions ?? 10));
  return lines;
}

// ---- meridian explain ----

/** `meridian explain`: the /explain document (checked against its schema), as why the answer is what it is. */
export function renderExplain(doc: ExplainDocument, options: RenderOptions): string[] {
  const c = options.color;
  const lines = [`${paint(c, 'bold', `${doc.name} ${doc.type}`)}  in zone ${doc.zone}`];
  if (!('targets' in doc)) {
    lines.push(`record: ${doc.kind}`);
    const answer = doc.answer ?? [];
    lines.push(answer.length === 0 ? `answer: ${paint(c, 'red', 'none (NODATA)')}` : 'answer:');
    for (const entry of answer) lines.push(`  ${entry}`);
    lines.push(`why: ${doc.summary}`);
    return lines;
  }

  const failover = doc.policy === 'failover';
  lines.push(`record: ${doc.kind}, policy ${doc.policy}, when all down: ${doc.whenAllDown}`);
  const rows = doc.targets.map((target) => {
    const state =
      target.addresses.length === 0
        ? paint(c, 'dim', 'no addresses')
        : target.addresses
            .map((a) => `${a.address} ${paint(c, healthStyle(a.health), a.health)}${a.drained && !target.drained ? ` ${paint(c, 'magenta', 'drained')}` : ''}`)
            .join(', ');
    const reasons = [...new Set(target.addresses.map((a) => a.reason).filter((r) => r !== ''))].join('; ');
    return [
      `#${target.index} ${text(target.target)}${target.region === undefined ? '' : ` [${target.region}]`}`,
      String(failover ? target.priority : target.weight),
      state,
      target.drained ? paint(c, 'magenta', 'drained') : '-',
      target.chosen ? paint(c, 'green', 'chosen') : '-',
      reasons || '-',
    ];
  });
  lines.push('targets:', ...table(['TARGET', failover ? 'PRIORITY' : 'WEIGHT', 'ADDRESSES', 'DRAINED', 'CHOSEN', 'REASON'], rows, c));
  // In a peer group: which vantage point saw what, and why the quorum decided as it did, per address.
  const decided = doc.targets.flatMap((target) => target.addresses.filter((a) => a.quorum !== undefined || a.votes !== undefined));
  if (decided.length > 0) {
    lines.push('vantage points:');
    const width = Math.max(...decided.map((a) => visibleWidth(a.address)));
    for (const a of decided) {
      const padded = a.address + ' '.repeat(width - visibleWidth(a.address));
      lines.push(`  ${padded}  ${a.quorum ?? formatVotes(a.health, a.votes ?? [], c)}`);
    }
  }
  if (doc.regions !== undefined) {
    const hasV6 = doc.regions.some((r) => r.AAAA !== 'none');
    lines.push(
      `regions${hasV6 ? ' (A/AAAA)' : ''}: ${doc.regions.map((r) => `${r.region} ${regionHealthText(r.A, c)}${hasV6 ? `/${regionHealthText(r.AAAA, c)}` : ''}`).join(', ')}`,
    );
  }
  lines.push(...clientLines(doc.client, c));
  lines.push(`rule: ${paint(c, ruleStyle(doc.rule), describeRule(doc.rule, doc.drainsIgnored, doc.ruleText))}`);
  const answer = formatAnswerSets(doc.answer, EXPLAIN_ANSWER_SETS);
  lines.push(`answer: ${answer === '' ? paint(c, 'red', 'no addresses (NODATA)') : paint(c, 'bold', answer)}`);
  if (doc.sampled) lines.push(`  ${paint(c, 'dim', 'sampled: too many orders to list them all, so the answers are a random sample and the shares estimates')}`);
  if (doc.summary !== doc.ruleText) lines.push(`why: ${doc.summary}`);
  return lines;
}

/** One client's part of an explanation: the rule that placed it, its walk, the skipped regions, its sticky pick, the scope. */
function clientLines(client: ClientExplanation | undefined, color: boolean): string[] {
  if (client === undefined) return [];
  const lines = [`client: ${paint(color, 'bold', client.address)}`];
  const match = client.match;
  if (match !== undefined) {
    const geoip = [match.country, match.continent].filter((code) => code !== undefined).join(', ');
    lines.push(
      `  matched: ${match.text}${match.subnet === undefined ? '' : ` (by ${match.subnet})`}${geoip === '' ? '' : paint(color, 'dim', ` [GeoIP: ${geoip}]`)}`,
    );
  }
  if (client.walk !== undefined) lines.push(`  walk: ${client.walk.join(' > ')}`);
  for (const skipped of client.skipped ?? []) lines.push(`  skipped ${skipped.region}: ${skipped.why}`);
  if (client.region !== undefined) lines.push(`  region: ${paint(color, 'green', client.region)}`);
  if (client.sticky !== undefined)
    lines.push(
      `  sticky: ${client.sticky.subnet} hashes to bucket ${client.sticky.bucket}: target ${client.sticky.targets.join(', ')} (${client.sticky.addresses.join(', ')})`,
    );
  lines.push(`  ECS scope: /${client.scope}${client.scope === 0 ? " (the answer is every client's)" : ` (the answer holds for ${client.network})`}`);
  return lines;
}

// ---- meridian drain / undrain ----

/** The one-line confirmation of POST /drain or /undrain. */
export function renderDrainResult(
  action: 'drain' | 'undrain',
  document: unknown,
  options: RenderOptions & { readonly target?: string; readonly reason?: string },
): string {
  const c = options.color;
  const doc = obj(document) ?? {};
  const target = str(doc.target) ?? options.target ?? '?';
  const changed = bool(doc.changed);
  const drains = Array.isArray(doc.drains) ? doc.drains.length : undefined;
  const active = drains === undefined ? '' : `; ${drains === 0 ? 'no drains' : drains === 1 ? '1 drain' : `${drains} drains`} active`;
  if (action === 'drain') {
    const reason = options.reason === undefined ? '' : ` (reason: ${options.reason})`;
    if (changed === false) return `${paint(c, 'magenta', target)} was already drained${active}`;
    return `drained ${paint(c, 'magenta', target)}${reason}: it is no longer served${active}`;
  }
  if (changed === false) return `${paint(c, 'bold', target)} was not drained${active}`;
  return `undrained ${paint(c, 'green', target)}: it is served again when healthy${active}`;
}
