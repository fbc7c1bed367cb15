// The status page's script (index.html loads it as /assets/page.js): follows the live status feed at `/events`
// (server-sent events, `event: status`, data = the /status JSON document) and redraws on each event.
//
// It shows readiness, the last reload, the peer group (when there is one), Kubernetes cluster sync, drains and
// maintenance windows, a timeline of the last hour's transitions (SVG), and per zone and record the answer given
// now and a matrix of targets × addresses coloured by health, with the failure reason, the time since the last
// change, each vantage point's verdict (in a peer group) and a probe-latency sparkline.
//
// Every string from the document reaches the page as a text node or an attribute value set through the DOM,
// never as markup. The document is typed (status-document.ts, a type import: nothing of it reaches the browser)
// and not checked again here: the page comes from the same server as the document it reads.
// For large configurations, zones with more than 200 records start collapsed and are only drawn when opened,
// records are drawn 200 at a time, and a record's elements are reused while its data does not change.
//
// Compiled by its own tsconfig.json (the DOM library, no Node types), apart from the server's.

import type {
  AddressHealth,
  AddressStatus,
  BalancedRecordStatus,
  RegionHealth,
  WalkAnswer,
  CheckView,
  FailedFileView,
  PeerGroupView,
  ProbeResultView,
  RecordAnswer,
  RecordStatus,
  StatusDocument,
  TargetStatus,
  VoteView,
  ZoneStatus,
} from '../status-document.js';

const BIG_ZONE = 200; // zones with more records start collapsed
const PAGE = 200; // records drawn per "show more"
const TIMELINE_ROWS = 40; // addresses drawn on the timeline
const HOUR = 3600 * 1000;
const SVGNS = 'http://www.w3.org/2000/svg';
const ANSWER_SETS = 4;

interface ZoneView {
  readonly details: HTMLDetailsElement;
  readonly summary: HTMLElement;
  readonly body: HTMLElement;
  data: ZoneStatus;
  limit: number;
}

// The page's state: one page, one set of views.
let doc: StatusDocument | null = null; // the last status document
let pending: StatusDocument | null = null; // a document waiting for the next frame
let receivedAt = 0; // Date.now() when doc arrived
let skewMs = 0; // browser clock minus server clock
let gotEvent = false;
const zoneViews = new Map<string, ZoneView>(); // zone name -> its view
const recordViews = new Map<string, { sig: string; el: HTMLElement; used: boolean }>(); // zone + record name -> its elements

// ---- small helpers -------------------------------------------------------------------------------------
type Child = Node | string | number | null | undefined | false | readonly Child[];
type Attrs = Record<string, string | number | boolean | null | undefined> | null;

function time(v: string | null | undefined): number | undefined {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return isFinite(t) ? t : undefined;
}
function serverNow(): number {
  return Date.now() - skewMs;
}
function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}
function errorText(e: unknown): string {
  const message = e instanceof Error ? e.message : undefined;
  return String(message || e);
}

function append(el: Node, child: Child): void {
  if (child === undefined || child === null || child === false || child === '') return;
  if (child instanceof Node) el.appendChild(child);
  else if (typeof child === 'object') for (const c of child) append(el, c);
  else el.appendChild(document.createTextNode(String(child)));
}
// Replaces el's children (skipping empty ones, unlike replaceChildren, which would print "null").
function fill<E extends Element>(el: E, ...children: Child[]): E {
  el.replaceChildren();
  for (const child of children) append(el, child);
  return el;
}
function setAttrs(el: Element, attrs: Attrs): void {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    el.setAttribute(k, String(v));
  }
}
// Element with attributes (names from this script only) and children (strings become text nodes).
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs ?? null);
  for (const child of children) append(el, child);
  return el;
}
function svg(tag: string, attrs?: Attrs, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVGNS, tag);
  setAttrs(el, attrs ?? null);
  for (const child of children) append(el, child);
  return el;
}
function badge(text: string, kind?: string, attrs?: NonNullable<Attrs>): HTMLSpanElement {
  const a = attrs ?? {};
  a.class = `badge ${kind ?? ''}`;
  return h('span', a, text);
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
function dateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
// 45s, 3m 12s, 2h 5m, 3d 4h
function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}
// A span kept current by the ticker: "<prefix>3m 12s<suffix>" since (mode "ago") or until (mode "in") at.
function relative(at: number, mode: 'ago' | 'in', prefix?: string, suffix?: string): HTMLSpanElement {
  const el = h('span', { class: 'rel', 'data-at': at, 'data-mode': mode, 'data-prefix': prefix ?? '', 'data-suffix': suffix ?? '' });
  el.title = dateTime(at);
  tickOne(el, serverNow());
  return el;
}
function tickOne(el: Element, now: number): void {
  const at = Number(el.getAttribute('data-at'));
  const seconds = el.getAttribute('data-mode') === 'in' ? (at - now) / 1000 : (now - at) / 1000;
  el.textContent = (el.getAttribute('data-prefix') ?? '') + duration(seconds) + (el.getAttribute('data-suffix') ?? '');
}
// The moment a value refers to, in server time: an ISO time, else "seconds ago" as of the document.
function momentOf(iso: string | null | undefined, secondsAgo: number | null | undefined): number | undefined {
  const t = time(iso);
  if (t !== undefined) return t;
  return secondsAgo === undefined || secondsAgo === null || !isFinite(secondsAgo) ? undefined : receivedAt - skewMs - secondsAgo * 1000;
}

// ---- header ----------------------------------------------------------------------------------------------
function setConnection(state: 'connecting' | 'live' | 'disconnected'): void {
  const el = byId('connection');
  el.className = `badge ${state === 'live' ? 'ok' : state === 'disconnected' ? 'bad' : ''}`;
  fill(el, h('span', { class: 'dot' }), state);
  el.title = state === 'live' ? 'receiving live updates from /events' : state === 'disconnected' ? 'lost the live feed from /events; retrying' : '';
}

function healthOf(address: AddressStatus, target: TargetStatus): { health: AddressHealth; drained: boolean } {
  return { health: address.health, drained: address.drained || target.drained };
}

// Zone files that failed to load: what each one leaves its zone answering, and its problems.
const SERVING_TEXT: Readonly<Record<FailedFileView['serving'], string>> = {
  'last-good': 'serving its last good revision',
  servfail: 'answering SERVFAIL',
  none: 'nothing served from this file',
};
function renderFailedFiles(failed: readonly FailedFileView[]): void {
  const count = byId('failed-count');
  count.hidden = failed.length === 0;
  count.textContent = `${failed.length}${failed.length === 1 ? ' zone file failed to load' : ' zone files failed to load'}`;
  const section = byId('failed-files');
  section.hidden = failed.length === 0;
  section.replaceChildren(
    ...failed.map((file) => {
      const what = SERVING_TEXT[file.serving] + (file.serial !== undefined ? ` (serial ${file.serial})` : '');
      return h(
        'div',
        { 'data-testid': 'failed-file', 'data-file': file.file },
        h('strong', null, file.file),
        ' ',
        file.zone !== undefined ? `zone ${file.zone}: ` : '',
        badge(what, file.serving === 'last-good' ? 'warn' : 'bad', { 'data-testid': 'failed-serving' }),
        h(
          'ul',
          null,
          file.issues.slice(0, 20).map((issue) => h('li', null, issue)),
        ),
      );
    }),
  );
}

function renderHeader(d: StatusDocument): void {
  const ready = byId('ready');
  ready.className = d.ready ? 'badge ok' : 'badge bad';
  ready.textContent = d.ready ? 'ready' : 'not ready';

  const reload = d.lastReload;
  const reloadEl = byId('reload');
  const issues = reload.issues;
  if (reload.ok) {
    reloadEl.className = 'badge ok';
    reloadEl.textContent = `last reload ok${issues.length ? ` (${issues.length} issues)` : ''}`;
  } else {
    reloadEl.className = 'badge bad';
    reloadEl.textContent = `last reload failed: ${issues.length}${issues.length === 1 ? ' issue' : ' issues'}`;
  }
  const reloadAt = time(reload.at);
  reloadEl.title = reloadAt === undefined ? '' : `at ${dateTime(reloadAt)}`;
  const list = byId('issues');
  list.replaceChildren(...issues.slice(0, 50).map((issue) => h('li', null, issue)));
  if (issues.length > 50) list.appendChild(h('li', null, `… and ${issues.length - 50} more`));
  renderFailedFiles(d.failedZoneFiles);

  const counts = { up: 0, down: 0, other: 0, drained: 0 };
  for (const zone of d.zones) {
    for (const record of zone.records) {
      if (record.kind !== 'balanced') continue;
      for (const target of record.targets) {
        for (const address of target.addresses) {
          const s = healthOf(address, target);
          if (s.drained) counts.drained++;
          else if (s.health === 'up') counts.up++;
          else if (s.health === 'down') counts.down++;
          else counts.other++;
        }
      }
    }
  }
  fill(
    byId('counts'),
    badge(`${counts.up} up`, 'ok'),
    ' ',
    badge(`${counts.down} down`, counts.down ? 'bad' : 'plain'),
    ' ',
    badge(`${counts.other} unknown`, counts.other ? '' : 'plain'),
    ' ',
    badge(`${counts.drained} drained`, counts.drained ? 'purple' : 'plain'),
  );

  const updated = time(d.generatedAt);
  fill(
    byId('updated'),
    `updated ${clock(updated === undefined ? receivedAt : updated)} `,
    relative(updated === undefined ? receivedAt - skewMs : updated, 'ago', '(', ' ago)'),
  );
}

// ---- clusters, drains, maintenance ---------------------------------------------------------------------
function table(headings: readonly string[], rows: Child): HTMLTableElement {
  return h(
    'table',
    null,
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        headings.map((t) => h('th', null, t)),
      ),
    ),
    h('tbody', null, rows),
  );
}

function renderClusters(d: StatusDocument): void {
  const clusters = d.clusters;
  const body =
    clusters.length === 0
      ? h('div', { class: 'muted' }, 'No Kubernetes clusters.')
      : table(
          ['Cluster', 'Sync', 'Last event', 'Errors', 'Resources'],
          clusters.map((c) => {
            const state = c.synced ? badge('synced', 'ok') : c.late ? badge('late', 'bad') : badge('syncing', 'warn');
            const last = momentOf(c.lastEventAt, c.lastEventAgeSeconds);
            const errors = c.errors || 0;
            return h(
              'tr',
              { 'data-testid': 'cluster', 'data-name': c.name },
              h('td', { class: 'mono' }, c.name),
              h('td', null, state),
              h('td', null, last === undefined ? h('span', { class: 'muted' }, 'none yet') : relative(last, 'ago', '', ' ago')),
              h('td', { class: errors > 0 ? 'err' : '' }, String(errors)),
              h(
                'td',
                null,
                c.resources.map((r) =>
                  h(
                    'div',
                    null,
                    `${r.resource}: ${r.state || (r.synced ? 'synced' : 'syncing')}, ${r.objects} objects${r.errors ? `, ${r.errors} errors` : ''}`,
                    r.lastError ? h('div', { class: 'muted' }, r.lastError) : null,
                  ),
                ),
              ),
            );
          }),
        );
  fill(document.querySelector('#clusters .body')!, body);
}

// A peer's clock minus this server's, as measured from its last message (includes the link's latency).
function skewText(ms: number | null): string {
  if (ms === null) return '';
  const size = Math.abs(ms);
  return `${ms > 0 ? '+' : ms < 0 ? '−' : '±'}${size < 10000 ? `${Math.round(size)} ms` : duration(size / 1000)}`;
}

// The peer group, only when peers are configured: each peer's link, whether it votes, and what it sends.
function renderPeers(d: StatusDocument): void {
  const group: PeerGroupView | undefined = d.peerGroup;
  const section = byId('peers');
  section.hidden = group === undefined;
  if (group === undefined) return;
  const head = h(
    'p',
    { class: 'muted', 'data-testid': 'peer-group' },
    `This instance: `,
    h('strong', { class: 'mono' }, group.instance),
    `. Quorum: ${group.quorum}; a peer silent for ${duration(group.staleAfterSeconds)} no longer votes.`,
  );
  const body =
    group.peers.length === 0
      ? h('div', { class: 'muted' }, 'No peers: this instance decides alone.')
      : table(
          ['Peer', 'Link', 'Voting', 'Last message', 'Clock skew', 'Verdicts'],
          group.peers.map((p) => {
            const last = momentOf(p.lastMessageAt, p.lastMessageAgeSeconds);
            return h(
              'tr',
              // As text: setAttrs leaves out a false attribute, and a test (or a style) reads both states.
              { 'data-testid': 'peer', 'data-instance': p.instance, 'data-connected': String(p.connected), 'data-fresh': String(p.fresh) },
              h('td', null, h('div', { class: 'mono' }, p.instance), h('div', { class: 'muted mono' }, p.url)),
              h('td', null, p.connected ? badge('connected', 'ok') : badge('down', 'bad')),
              h('td', null, p.fresh ? badge('fresh', 'ok') : badge('stale: not voting', 'warn')),
              h('td', null, last === undefined ? h('span', { class: 'muted' }, 'never') : relative(last, 'ago', '', ' ago')),
              h('td', { class: 'mono', title: 'its clock minus this one, from its last message (includes the link latency)' }, skewText(p.clockSkewMs)),
              h(
                'td',
                null,
                String(p.verdicts),
                p.unknownVerdicts > 0
                  ? h(
                      'div',
                      { class: 'err', 'data-testid': 'peer-unknown' },
                      `${p.unknownVerdicts} about probes this instance does not have: serves other zone files?`,
                    )
                  : null,
              ),
            );
          }),
        );
  fill(section.querySelector('.body')!, head, body);
}

function renderDrains(d: StatusDocument): void {
  const drains = d.drains;
  const body =
    drains.length === 0
      ? h('div', { class: 'muted' }, 'Nothing is drained.')
      : table(
          ['Target', 'By', 'Since', 'Until', 'Reason'],
          drains.map((x) => {
            const since = time(x.since);
            const until = time(x.until);
            return h(
              'tr',
              { 'data-testid': 'drain', 'data-target': x.target },
              h('td', null, badge(x.target, 'purple')),
              h('td', null, x.by),
              h('td', null, since === undefined ? '' : relative(since, 'ago', '', ' ago')),
              h(
                'td',
                null,
                until === undefined ? h('span', { class: 'muted' }, 'until undrained') : [`${dateTime(until)} `, relative(until, 'in', '(in ', ')')],
              ),
              h('td', null, x.reason),
            );
          }),
        );
  fill(document.querySelector('#drains .body')!, body);

  const windows = d.maintenance;
  const mbody =
    windows.length === 0
      ? h('div', { class: 'muted' }, 'No maintenance windows.')
      : table(
          ['Zone', 'Target', 'Schedule', 'Next', 'Now'],
          windows.map((w) => {
            const next = time(w.next);
            const activeUntil = time(w.activeUntil);
            return h(
              'tr',
              { 'data-testid': 'maintenance-window', 'data-target': w.target, 'data-active': w.active },
              h('td', { class: 'mono' }, w.zone),
              h('td', { class: 'mono' }, w.target),
              h('td', null, h('span', { class: 'mono' }, w.cron), w.duration ? ` for ${w.duration}` : ''),
              h('td', null, next === undefined ? h('span', { class: 'muted' }, 'none') : [`${dateTime(next)} `, relative(next, 'in', '(in ', ')')]),
              h(
                'td',
                null,
                w.active
                  ? [badge('active', 'purple'), activeUntil === undefined ? '' : [` until ${clock(activeUntil)} `, relative(activeUntil, 'in', '(', ' left)')]]
                  : h('span', { class: 'muted' }, 'inactive'),
              ),
            );
          }),
        );
  fill(document.querySelector('#maintenance .body')!, mbody);
}

// ---- timeline --------------------------------------------------------------------------------------------
function healthColour(state: string): string {
  return state === 'up' ? '#1a7f37' : state === 'down' ? '#cf222e' : '#6e7781';
}

interface TimelineRow {
  readonly address: string;
  readonly record: string;
  readonly zone: string;
  readonly items: { at: number; from: string; to: string; reason: string }[];
  latest: number;
}

function renderTimeline(d: StatusDocument): void {
  const now = time(d.generatedAt) ?? receivedAt - skewMs;
  const start = now - HOUR;
  const rows = new Map<string, TimelineRow>();
  for (const t of d.transitions) {
    const at = time(t.at);
    if (at === undefined || at < start || at > now + 60000) continue;
    const key = [t.zone, t.record, String(t.target), t.address].join('|');
    let row = rows.get(key);
    if (!row) {
      row = { address: t.address, record: t.record, zone: t.zone, items: [], latest: 0 };
      rows.set(key, row);
    }
    row.items.push({ at, from: t.from, to: t.to, reason: t.reason });
    row.latest = Math.max(row.latest, at);
  }
  const container = byId('timeline');
  if (rows.size === 0) {
    fill(container, h('p', { class: 'muted' }, 'No transitions in the last hour.'));
    return;
  }
  let list = Array.from(rows.values()).sort((a, b) => b.latest - a.latest);
  const hidden = list.length - TIMELINE_ROWS;
  list = list.slice(0, TIMELINE_ROWS);

  const W = 1000,
    LABEL = 260,
    RIGHT = 20,
    ROW = 22,
    TOP = 8,
    AXIS = 24;
  const H = TOP + list.length * ROW + AXIS;
  const x = (ms: number) => LABEL + ((Math.min(Math.max(ms, start), now) - start) / HOUR) * (W - LABEL - RIGHT);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Health transitions in the last hour' });
  root.appendChild(svg('title', null, `Health transitions from ${clock(start)} to ${clock(now)}`));
  for (let m = 0; m <= 60; m += 10) {
    const tx = x(start + m * 60000);
    root.appendChild(svg('line', { x1: tx, x2: tx, y1: TOP - 4, y2: H - AXIS + 2, stroke: '#d1d9e0', 'stroke-width': 1 }));
    root.appendChild(
      svg(
        'text',
        { x: tx, y: H - 8, 'text-anchor': m === 0 ? 'start' : m === 60 ? 'end' : 'middle', 'font-size': 11, fill: '#59636e' },
        m === 60 ? 'now' : `-${60 - m}m`,
      ),
    );
  }
  list.forEach((row, i) => {
    const y = TOP + i * ROW + ROW / 2;
    let name = row.record && row.zone && row.record.slice(-(row.zone.length + 1)) === `.${row.zone}` ? row.record.slice(0, -(row.zone.length + 1)) : row.record;
    const g = svg('g', { 'data-testid': 'timeline-row', 'data-address': row.address, 'data-record': row.record });
    if (name.length > 24) name = `${name.slice(0, 23)}…`;
    g.appendChild(
      svg(
        'text',
        { x: 4, y: y + 4, 'font-size': 12, 'font-family': 'ui-monospace, monospace', fill: '#1f2328' },
        svg('title', null, `${row.record} ${row.address}`),
        `${row.address} ${name}`,
      ),
    );
    row.items.sort((a, b) => a.at - b.at);
    // The state between transitions, as a thin bar: before the first one, what it changed from.
    const edges = [{ at: start, state: row.items[0].from }].concat(row.items.map((t) => ({ at: t.at, state: t.to })));
    edges.forEach((e, k) => {
      const end = k + 1 < edges.length ? edges[k + 1].at : now;
      const x1 = x(e.at),
        x2 = x(end);
      if (x2 - x1 > 0.5) g.appendChild(svg('rect', { x: x1, y: y - 3, width: x2 - x1, height: 6, rx: 2, fill: healthColour(e.state), 'fill-opacity': 0.35 }));
    });
    for (const t of row.items) {
      const label = `${clock(t.at)} ${row.record} ${row.address}: ${t.from || '?'} → ${t.to || '?'}${t.reason ? ` (${t.reason})` : ''}`;
      g.appendChild(
        svg(
          'circle',
          {
            cx: x(t.at),
            cy: y,
            r: 5,
            fill: healthColour(t.to),
            stroke: '#fff',
            'stroke-width': 1.5,
            'data-testid': 'transition',
            'data-to': t.to,
            'data-address': row.address,
          },
          svg('title', null, label),
        ),
      );
    }
    root.appendChild(g);
  });
  fill(container, root);
  if (hidden > 0) container.appendChild(h('p', { class: 'muted' }, `${hidden} more addresses changed; the most recent ${TIMELINE_ROWS} are drawn.`));
}

// ---- zones and records -----------------------------------------------------------------------------------
function sparkline(values: readonly number[] | undefined): HTMLDivElement | null {
  const v = (values ?? []).filter((n) => isFinite(n) && n >= 0);
  if (v.length === 0) return null;
  const last = v[v.length - 1];
  const text = h('span', null, `${last < 10 ? last.toFixed(1) : Math.round(last)} ms`);
  if (v.length < 2) return h('div', { class: 'spark' }, text);
  const W = 110,
    H = 22,
    max = Math.max(...v) || 1,
    min = Math.min(...v);
  const points = v.map((n, i) => `${((i * W) / (v.length - 1)).toFixed(1)},${(H - 2 - (n / max) * (H - 4)).toFixed(1)}`).join(' ');
  const avg = v.reduce((a, b) => a + b, 0) / v.length;
  const graph = svg(
    'svg',
    { width: W, height: H, viewBox: `0 0 ${W} ${H}`, 'data-testid': 'sparkline', role: 'img', 'aria-label': 'probe latency' },
    svg('title', null, `probe latency over the last ${v.length} probes: min ${min.toFixed(1)} ms, average ${avg.toFixed(1)} ms, max ${max.toFixed(1)} ms`),
    svg('polyline', { points, fill: 'none', stroke: '#fff', 'stroke-width': 1.5, 'stroke-linejoin': 'round' }),
  );
  return h('div', { class: 'spark' }, graph, text);
}

function resultText(label: string, r: ProbeResultView | undefined): string {
  if (r === undefined || (!r.reason && !r.at)) return '';
  const at = time(r.at);
  return `${label}: ${r.reason}${isFinite(r.durationMs) ? ` in ${r.durationMs} ms` : ''}${at === undefined ? '' : ` at ${clock(at)}`}`;
}

// One chip per vantage point (this instance first), coloured by its verdict; a stale one is faded and does not vote.
function voteChips(address: AddressStatus): HTMLDivElement | null {
  const votes: readonly VoteView[] | undefined = address.votes;
  if (votes === undefined) return null;
  return h(
    'div',
    { class: 'votes', 'data-testid': 'votes', title: address.quorum ?? null },
    votes.map((v) =>
      h(
        'span',
        {
          class: `vote ${v.verdict}${v.fresh ? '' : ' stale'}`,
          'data-testid': 'vote',
          'data-instance': v.instance,
          'data-verdict': v.verdict,
          'data-fresh': String(v.fresh),
          title: v.fresh ? null : 'stale: not heard from lately, so it does not vote',
        },
        `${v.instance === 'self' ? 'here' : v.instance} ${v.verdict === 'none' ? '?' : v.verdict}`,
      ),
    ),
  );
}

function addressCell(address: AddressStatus, target: TargetStatus): HTMLDivElement {
  const s = healthOf(address, target);
  const since = momentOf(address.since, address.sinceSeconds);
  const tip = [resultText('last probe', address.lastResult), resultText('last failure', address.lastFailure)].filter(Boolean).join('\n');
  return h(
    'div',
    {
      class: `cell ${s.health}${s.drained ? ' drained' : ''}`,
      'data-testid': 'address-cell',
      'data-address': address.address,
      'data-health': s.health,
      'data-drained': s.drained,
      title: tip || null,
    },
    h('div', null, h('span', { class: 'addr' }, address.address), h('span', { class: 'health' }, s.health + (s.drained ? ' · drained' : ''))),
    address.reason ? h('div', { class: 'reason', 'data-testid': 'reason' }, address.reason) : null,
    since === undefined ? null : h('div', { 'data-testid': 'since' }, relative(since, 'ago', `${s.health} for `, '')),
    voteChips(address),
    sparkline(address.latencyMs),
  );
}

function answerView(answer: RecordAnswer | undefined, label = 'answering'): HTMLDivElement {
  const rule = answer?.rule ?? 'unknown';
  const kind =
    rule === 'healthy' ? 'ok' : rule === 'fail-open' || rule === 'others-healthy' ? 'warn' : rule === 'all-down' || rule === 'no-addresses' ? 'bad' : '';
  const parts: Child[] = [h('span', { class: 'muted' }, label), badge(rule, kind, { 'data-testid': 'answer-rule', title: 'the rule that picked the answer' })];
  let any = false;
  for (const type of ['A', 'AAAA'] as const) {
    const sets = (answer?.[type] ?? []).filter((set) => set.addresses.length > 0);
    // A record answering several of many targets has up to 256 possible answers: the likeliest few, then a count.
    for (const set of sets.slice(0, ANSWER_SETS)) {
      any = true;
      const p = set.probability;
      parts.push(
        h('span', { class: 'set', 'data-testid': 'answer-set' }, `${type} ${set.addresses.join(', ')}${p < 1 ? ` (${Math.round(p * 1000) / 10}%)` : ''}`),
      );
    }
    if (sets.length > ANSWER_SETS) parts.push(h('span', { class: 'muted', 'data-testid': 'answer-more' }, `+${sets.length - ANSWER_SETS} more`));
  }
  if (answer?.sampled === true)
    parts.push(h('span', { class: 'muted', title: 'too many orders to list them all: a random sample, so the shares are estimates' }, '(sampled)'));
  if (!any) parts.push(h('span', { class: 'err' }, answer === undefined ? 'answer not reported' : 'no addresses'));
  if (answer?.drainsIgnored === true) parts.push(h('span', { class: 'muted' }, '(drains ignored: every target is drained)'));
  return h('div', { class: 'answer', 'data-testid': 'record-answer' }, parts);
}

const REGION_KIND: Readonly<Record<RegionHealth, string>> = { up: 'ok', down: 'bad', drained: 'purple', none: 'plain' };

/** A walk's answer for one family: the region, its addresses, the regions skipped before it. */
function walkAnswerCell(answer: WalkAnswer): HTMLTableCellElement {
  const sets = answer.answer.filter((set) => set.addresses.length > 0);
  if (sets.length === 0) return h('td', { class: 'muted' }, answer.rule === 'no-addresses' ? '-' : 'NODATA');
  return h(
    'td',
    null,
    answer.region === undefined ? null : badge(answer.region, answer.rule === 'healthy' ? 'ok' : 'warn'),
    ' ',
    h('span', { class: 'mono' }, sets.map((set) => set.addresses.join(', ')).join(' | ')),
    answer.skipped.length > 0 ? h('span', { class: 'muted' }, ` skipped ${answer.skipped.join(', ')}`) : null,
    answer.rule === 'healthy' ? null : h('span', { class: 'muted' }, ` (${answer.rule})`),
  );
}

/** A geo record's regions with their health, and what each walk of the client map answers; a sticky record's subnet sizes. */
function geoView(record: BalancedRecordStatus): HTMLDivElement | null {
  const parts: Child[] = [];
  if (record.geo !== undefined) {
    const hasV6 = record.geo.regions.some((r) => r.AAAA !== 'none');
    parts.push(
      h(
        'div',
        { class: 'answer', 'data-testid': 'regions' },
        h('span', { class: 'muted' }, 'regions'),
        record.geo.regions.map((r) =>
          badge(hasV6 ? `${r.region} ${r.A}/${r.AAAA}` : `${r.region} ${r.A}`, REGION_KIND[r.A === 'none' ? r.AAAA : r.A], {
            'data-testid': 'region',
            'data-region': r.region,
            'data-health': r.A === 'none' ? r.AAAA : r.A,
            title: `targets ${r.targets.map((t) => `#${t}`).join(', ')}: A ${r.A}, AAAA ${r.AAAA}`,
          }),
        ),
      ),
    );
    const rows = record.geo.walks.map((w) =>
      h(
        'tr',
        { 'data-testid': 'walk' },
        h('td', null, w.clients.join(', ')),
        h('td', { class: 'mono' }, w.walk.join(' > ')),
        walkAnswerCell(w.A),
        walkAnswerCell(w.AAAA),
      ),
    );
    parts.push(h('div', { class: 'walks' }, table(['clients', 'walk', 'A', 'AAAA'], rows)));
  }
  if (record.sticky !== undefined)
    parts.push(
      h(
        'div',
        { class: 'muted', 'data-testid': 'sticky' },
        `sticky: each /${record.sticky.ipv4Prefix} (IPv4) and /${record.sticky.ipv6Prefix} (IPv6) keeps its target while it is healthy`,
      ),
    );
  return parts.length === 0 ? null : h('div', { class: 'geo', 'data-testid': 'geo' }, parts);
}

function checkText(check: CheckView | null): string {
  if (check === null) return 'no health check';
  if (!check.protocol) return '';
  return (
    check.protocol +
    (check.port ? ` :${check.port}` : '') +
    (check.path ? ` ${check.path}` : '') +
    (check.host ? ` host ${check.host}` : '') +
    `, every ${check.intervalMs} ms, timeout ${check.timeoutMs} ms, rise ${check.rise} fall ${check.fall}`
  );
}

function recordView(record: RecordStatus): HTMLDivElement {
  const name = record.name;
  if (record.kind !== 'balanced') {
    return h('div', { class: 'simple', 'data-testid': 'record', 'data-name': name }, h('span', { class: 'record-name' }, name), badge(record.kind, 'plain'));
  }
  const matrix = h('div', { class: 'matrix' });
  for (const target of record.targets) {
    const index = target.index;
    matrix.appendChild(
      h(
        'div',
        { class: 'target', 'data-testid': 'target' },
        h('div', { class: 'label' }, `#${index} ${target.target}`),
        target.cluster ? h('div', { class: 'muted' }, `cluster ${target.cluster}`) : null,
        target.region ? h('div', { class: 'muted', 'data-testid': 'target-region' }, `region ${target.region}`) : null,
        h('div', { class: 'muted' }, record.policy === 'failover' ? `priority ${index + 1}` : `weight ${target.weight}`),
        target.drained ? badge('drained', 'purple') : null,
      ),
    );
    const addresses = target.addresses;
    matrix.appendChild(
      h('div', { class: 'cells' }, addresses.length ? addresses.map((a) => addressCell(a, target)) : h('span', { class: 'muted' }, 'no addresses discovered')),
    );
  }
  return h(
    'div',
    { class: 'record', 'data-testid': 'record', 'data-name': name },
    h(
      'div',
      { class: 'record-head' },
      h('span', { class: 'record-name' }, name),
      badge(record.policy, 'plain', { 'data-testid': 'policy' }),
      h('span', { class: 'muted' }, `when all down: ${record.whenAllDown}`),
      h('span', { class: 'muted' }, checkText(record.check)),
    ),
    answerView(record.answer, record.geo === undefined ? 'answering' : 'answering clients no rule covers'),
    geoView(record),
    matrix,
  );
}

// Whether a record needs attention: an address not up, a drain, or an answer not picked from healthy targets.
function hasProblem(record: RecordStatus): boolean {
  if (record.kind !== 'balanced') return false;
  if (record.answer && record.answer.rule !== 'healthy') return true;
  return record.targets.some((t) => t.drained || t.addresses.some((a) => a.drained || a.health !== 'up'));
}
function matches(record: RecordStatus, filter: string): boolean {
  if (!filter) return true;
  if (record.name.toLowerCase().includes(filter)) return true;
  if (record.kind !== 'balanced') return false;
  return record.targets.some((t) => t.target.toLowerCase().includes(filter) || t.addresses.some((a) => a.address.toLowerCase().includes(filter)));
}
// The record's data without what changes every second anyway (ages are redrawn by the ticker).
function signature(record: RecordStatus): string {
  return JSON.stringify(record, (key, value: unknown) => (key === 'sinceSeconds' || key === 'lastEventAgeSeconds' ? undefined : value));
}

function renderZoneBody(view: ZoneView): void {
  const filter = byId<HTMLInputElement>('filter').value.trim().toLowerCase();
  const problemsOnly = byId<HTMLInputElement>('problems').checked;
  const records = view.data.records.filter((r) => matches(r, filter) && (!problemsOnly || hasProblem(r)));
  const shown = records.slice(0, view.limit);
  const children: HTMLElement[] = shown.map((record) => {
    const key = `${view.data.zone}|${record.name}`;
    const sig = signature(record);
    const cached = recordViews.get(key);
    if (cached && cached.sig === sig) {
      cached.used = true;
      return cached.el;
    }
    const el = recordView(record);
    recordViews.set(key, { sig, el, used: true });
    return el;
  });
  if (records.length === 0) children.push(h('p', { class: 'muted' }, filter || problemsOnly ? 'No record matches.' : 'No records.'));
  if (records.length > shown.length) {
    const more = h(
      'button',
      { class: 'more', type: 'button' },
      `Show ${Math.min(PAGE, records.length - shown.length)} more (${shown.length} of ${records.length} shown)`,
    );
    more.addEventListener('click', () => {
      view.limit += PAGE;
      renderZoneBody(view);
    });
    children.push(more);
  }
  sync(view.body, children);
}

// Makes parent's children exactly these nodes, moving only what is out of place (cheaper than replacing
// thousands of unchanged records, which would restyle them all).
function sync(parent: Element, nodes: readonly Node[]): void {
  nodes.forEach((node, i) => {
    const at = parent.childNodes[i];
    if (at !== node) parent.insertBefore(node, at ?? null);
  });
  while (parent.childNodes.length > nodes.length) parent.removeChild(parent.lastChild!);
}

function zoneSummary(view: ZoneView): void {
  const records = view.data.records;
  let down = 0,
    drained = 0;
  for (const r of records) {
    if (r.kind !== 'balanced') continue;
    for (const t of r.targets) {
      for (const a of t.addresses) {
        const s = healthOf(a, t);
        if (s.drained) drained++;
        else if (s.health === 'down') down++;
      }
    }
  }
  fill(
    view.summary,
    h('span', { class: 'zone-name mono' }, view.data.zone),
    h('span', { class: 'muted' }, `${records.length}${records.length === 1 ? ' record' : ' records'}, serial ${view.data.serial}`),
    down ? badge(`${down} down`, 'bad') : null,
    drained ? badge(`${drained} drained`, 'purple') : null,
    dnssecBadge(view.data),
    view.data.file ? h('span', { class: 'muted mono' }, view.data.file) : null,
    !view.details.open && records.length > BIG_ZONE ? h('span', { class: 'muted' }, '(collapsed: large zone, open to draw it)') : null,
  );
}

/** A signed zone: its keys, and the time left on its earliest signature (red under a day, amber under three). */
function dnssecBadge(zone: ZoneStatus): HTMLSpanElement | null {
  const dnssec = zone.dnssec;
  if (dnssec === undefined) return null;
  const seconds = dnssec.earliestExpirySeconds;
  const kind = seconds === null ? 'plain' : seconds < 86_400 ? 'bad' : seconds < 3 * 86_400 ? 'warn' : 'ok';
  const keys = dnssec.keys.map((k) => `${k.keyTag} ${k.algorithm}${k.flags === 257 ? ' KSK' : ''}${k.signing ? '' : ' (published only)'}`).join(', ');
  return badge(seconds === null ? 'signed' : `signed, expires in ${duration(seconds)}`, kind, { 'data-testid': 'dnssec', title: `DNSSEC keys: ${keys}` });
}

function renderZones(d: StatusDocument): void {
  const container = byId('zones');
  const seen = new Set<string>();
  const order: HTMLElement[] = [];
  recordViews.forEach((v) => (v.used = false));
  for (const zone of d.zones) {
    const name = zone.zone;
    seen.add(name);
    let view = zoneViews.get(name);
    if (!view) {
      const details = h('details', { class: 'zone', 'data-testid': 'zone', 'data-zone': name });
      const created: ZoneView = { details, summary: h('summary'), body: h('div', { class: 'zone-body' }), limit: PAGE, data: zone };
      details.append(created.summary, created.body);
      details.open = zone.records.length <= BIG_ZONE;
      details.addEventListener('toggle', () => {
        zoneSummary(created);
        if (created.details.open) renderZoneBody(created);
        else created.body.replaceChildren();
      });
      zoneViews.set(name, created);
      view = created;
    }
    view.data = zone;
    order.push(view.details);
    zoneSummary(view);
    if (view.details.open) renderZoneBody(view);
  }
  zoneViews.forEach((_view, name) => {
    if (!seen.has(name)) zoneViews.delete(name);
  });
  sync(container, order.length ? order : [h('p', { class: 'muted' }, 'No zones loaded.')]);
  recordViews.forEach((v, key) => {
    if (!v.used) recordViews.delete(key);
  });
}

// ---- updates ---------------------------------------------------------------------------------------------
function render(): void {
  const d = pending;
  pending = null;
  if (!d) return;
  const generated = time(d.generatedAt);
  receivedAt = Date.now();
  skewMs = generated === undefined ? 0 : receivedAt - generated;
  doc = d;
  const steps = [renderHeader, renderPeers, renderClusters, renderDrains, renderTimeline, renderZones];
  const failures: string[] = [];
  for (const step of steps) {
    try {
      step(d);
    } catch (e) {
      failures.push(errorText(e));
    }
  }
  const error = byId('error');
  error.hidden = failures.length === 0;
  error.textContent = failures.length ? `Could not draw part of the page: ${failures.join('; ')}` : '';
}
function accept(d: unknown): void {
  if (d === null || typeof d !== 'object') return;
  const first = pending === null;
  pending = d as StatusDocument;
  // One redraw per frame however fast events arrive; a hidden tab draws the latest when shown again.
  if (first) {
    if (document.hidden) setTimeout(render, 0);
    else requestAnimationFrame(render);
  }
}
function onStatus(event: MessageEvent<string>): void {
  try {
    gotEvent = true;
    accept(JSON.parse(event.data));
  } catch (e) {
    const error = byId('error');
    error.hidden = false;
    error.textContent = `Unreadable status event: ${errorText(e)}`;
  }
}
function rerenderZones(): void {
  if (doc)
    zoneViews.forEach((view) => {
      if (view.details.open) {
        view.limit = PAGE;
        renderZoneBody(view);
      }
    });
}

function connect(): void {
  const source = new EventSource('/events');
  source.addEventListener('status', onStatus);
  source.addEventListener('message', onStatus);
  source.onopen = () => setConnection('live');
  source.onerror = () => {
    setConnection('disconnected');
    // The browser retries by itself unless the feed failed for good (an HTTP error, a wrong type): then retry here.
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      setTimeout(connect, 3000);
    }
  };
}

byId('filter').addEventListener('input', rerenderZones);
byId('problems').addEventListener('change', rerenderZones);
setInterval(() => {
  const now = serverNow();
  for (const el of document.querySelectorAll('.rel')) tickOne(el, now);
}, 1000);
setConnection('connecting');
connect();
// A first picture without waiting for the feed's first event (only if the feed has not spoken yet).
fetch('/status', { cache: 'no-store' })
  .then((r): Promise<unknown> | null => (r.ok ? r.json() : null))
  .then((d) => {
    if (!gotEvent && d) accept(d);
  })
  .catch(() => {});
