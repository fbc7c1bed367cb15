// The operator status page the admin server serves at `/`: one self-contained HTML document (inline CSS and
// script, no external assets, works offline) that follows the live status feed at `/events` (server-sent
// events, `event: status`, data = the /status JSON document) and redraws on each event.
//
// It shows readiness, the last reload, Kubernetes cluster sync, drains and maintenance windows, a timeline of
// the last hour's transitions (SVG), and per zone and record the answer given now and a matrix of targets ×
// addresses coloured by health, with the failure reason, the time since the last change and a probe-latency
// sparkline.
//
// Every string from the document reaches the page as a text node or an attribute value set through the DOM,
// never as markup. Fields may be missing (older servers): the script checks every value it reads.
// For large configurations, zones with more than 200 records start collapsed and are only drawn when opened,
// records are drawn 200 at a time, and a record's elements are reused while its data does not change.
//
// The document is a String.raw template: backslashes reach the browser as written, and the page must contain no
// backquote and no dollar sign followed by a brace.

export const STATUS_PAGE_HTML: string = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Meridian status</title>
<link rel="icon" href="data:,">
<style>
:root { --up: #1a7f37; --down: #cf222e; --grey: #6e7781; --drained: #8250df; --warn: #9a6700; --fg: #1f2328;
  --muted: #59636e; --bg: #f6f8fa; --card: #fff; --line: #d1d9e0; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font-size: 14px; }
header { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center;
  padding: .5rem 1rem; background: #24292f; color: #fff; }
header h1 { font-size: 1.1rem; margin: 0 .5rem 0 0; }
header .spacer { flex: 1; }
.badge { display: inline-block; padding: .1rem .55rem; border-radius: 1rem; font-weight: 600; font-size: .8rem; color: #fff;
  background: var(--grey); white-space: nowrap; }
.badge.ok { background: var(--up); } .badge.bad { background: var(--down); } .badge.warn { background: var(--warn); }
.badge.purple { background: var(--drained); } .badge.plain { background: #eaeef2; color: var(--fg); }
.dot { display: inline-block; width: .6rem; height: .6rem; border-radius: 50%; margin-right: .35rem; background: currentColor; }
main { padding: 0 1rem 2rem; }
section { margin-top: 1rem; }
h2 { font-size: 1rem; margin: .75rem 0 .4rem; }
h3 { font-size: .9rem; margin: .5rem 0 .3rem; }
table { border-collapse: collapse; background: var(--card); border: 1px solid var(--line); }
th, td { text-align: left; padding: .25rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; color: var(--muted); font-weight: 600; }
.muted { color: var(--muted); }
.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.err { color: var(--down); font-weight: 600; }
#issues { margin: .5rem 1rem 0; padding: .5rem .75rem .5rem 1.75rem; border: 1px solid var(--down); background: #ffebe9; border-radius: 6px; }
#issues:empty { display: none; }
#issues li { font-family: ui-monospace, monospace; font-size: .8rem; }
#failed-files { margin: .5rem 1rem 0; padding: .5rem .75rem; border: 1px solid var(--down); background: #ffebe9; border-radius: 6px; }
#failed-files[hidden], #failed-count[hidden] { display: none; }
#failed-files ul { margin: .25rem 0 .5rem; padding-left: 1.25rem; }
#failed-files li { font-family: ui-monospace, monospace; font-size: .8rem; }
.cards { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.controls { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin: .4rem 0; }
.controls input[type=search] { padding: .3rem .5rem; min-width: 18rem; border: 1px solid var(--line); border-radius: 4px; }
details.zone { background: var(--card); border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0; }
details.zone > summary { cursor: pointer; padding: .5rem .75rem; display: flex; flex-wrap: wrap; gap: .75rem; align-items: baseline; }
details.zone > summary::marker { content: ""; }
details.zone > summary::before { content: "\25B8"; }
details.zone[open] > summary::before { content: "\25BE"; }
.zone-name { font-weight: 700; font-size: 1rem; }
.zone-body { padding: 0 .75rem .5rem; }
.record { border-top: 1px solid var(--line); padding: .5rem 0; content-visibility: auto; contain-intrinsic-size: auto 140px; }
.record-head { display: flex; flex-wrap: wrap; gap: .3rem .75rem; align-items: baseline; }
.record-name { font-weight: 700; font-family: ui-monospace, monospace; font-size: .95rem; }
.answer { margin-top: .25rem; display: flex; flex-wrap: wrap; gap: .4rem; align-items: baseline; }
.answer .set { font-family: ui-monospace, monospace; background: #eaeef2; border-radius: 4px; padding: 0 .35rem; }
.matrix { display: grid; grid-template-columns: minmax(9rem, max-content) 1fr; gap: .35rem .75rem; margin-top: .4rem; }
.target { font-size: .8rem; padding-top: .2rem; }
.target .label { font-family: ui-monospace, monospace; font-weight: 600; font-size: .85rem; }
.cells { display: flex; flex-wrap: wrap; gap: .35rem; }
.cell { color: #fff; border-radius: 4px; padding: .3rem .5rem; width: 15rem; font-size: .78rem; line-height: 1.35; background-color: var(--grey); }
.cell.up { background-color: var(--up); } .cell.down { background-color: var(--down); }
.cell.unknown, .cell.pending { background-color: var(--grey); }
.cell.drained { background-color: var(--drained);
  background-image: repeating-linear-gradient(135deg, rgba(255,255,255,.2) 0 6px, rgba(255,255,255,0) 6px 12px); }
.cell .addr { font-weight: 700; font-family: ui-monospace, monospace; font-size: .88rem; }
.cell .health { font-weight: 700; text-transform: uppercase; float: right; }
.cell .reason { overflow-wrap: anywhere; }
.cell .spark { display: flex; gap: .4rem; align-items: center; opacity: .95; }
.simple { border-top: 1px solid var(--line); padding: .3rem 0; display: flex; gap: .75rem; align-items: baseline; }
.more { margin: .5rem 0; padding: .3rem .8rem; }
#timeline svg { display: block; width: 100%; max-width: 1400px; height: auto; background: var(--card); border: 1px solid var(--line); }
</style>
</head>
<body>
<header>
  <h1>Meridian</h1>
  <span id="ready" data-testid="ready" class="badge">waiting for data</span>
  <span id="reload" data-testid="reload" class="badge plain"></span>
  <span id="failed-count" data-testid="failed-count" class="badge bad" hidden></span>
  <span id="counts" data-testid="counts"></span>
  <span class="spacer"></span>
  <span id="updated" data-testid="updated" class="muted" style="color:#d0d7de"></span>
  <span id="connection" data-testid="connection" class="badge"><span class="dot"></span>connecting</span>
</header>
<ul id="issues" data-testid="reload-issues"></ul>
<section id="failed-files" data-testid="failed-files" hidden></section>
<main>
  <noscript><p>This page needs JavaScript. The same information is at <a href="/status">/status</a>.</p></noscript>
  <p id="error" class="err" data-testid="page-error" hidden></p>
  <div class="cards">
    <section id="clusters" data-testid="clusters"><h2>Kubernetes clusters</h2><div class="body muted">No data yet.</div></section>
    <section id="drains" data-testid="drains"><h2>Drains</h2><div class="body muted">No data yet.</div></section>
    <section id="maintenance" data-testid="maintenance"><h2>Maintenance windows</h2><div class="body muted">No data yet.</div></section>
  </div>
  <section><h2>Transitions in the last hour</h2><div id="timeline" data-testid="timeline"></div></section>
  <section>
    <h2>Zones</h2>
    <div class="controls">
      <input id="filter" type="search" placeholder="Filter records by name or address" aria-label="Filter records by name or address">
      <label><input id="problems" type="checkbox"> only records with a problem</label>
    </div>
    <div id="zones" data-testid="zones"></div>
  </section>
</main>
<script>
'use strict';
(function () {
  var BIG_ZONE = 200;      // zones with more records start collapsed
  var PAGE = 200;          // records drawn per "show more"
  var TIMELINE_ROWS = 40;  // addresses drawn on the timeline
  var HOUR = 3600 * 1000;
  var SVGNS = 'http://www.w3.org/2000/svg';

  var doc = null;          // the last status document
  var pending = null;      // a document waiting for the next frame
  var receivedAt = 0;      // Date.now() when doc arrived
  var skewMs = 0;          // browser clock minus server clock
  var gotEvent = false;
  var zoneViews = new Map();   // zone name -> { details, summary, body, data, limit }
  var recordViews = new Map(); // zone + record name -> { sig, el }

  // ---- small helpers -------------------------------------------------------------------------------------
  function str(v) { return typeof v === 'string' ? v : (v === undefined || v === null ? '' : String(v)); }
  function num(v) { return typeof v === 'number' && isFinite(v) ? v : undefined; }
  function arr(v) { return Array.isArray(v) ? v : []; }
  function obj(v) { return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {}; }
  function time(v) { var t = typeof v === 'string' ? Date.parse(v) : NaN; return isFinite(t) ? t : undefined; }
  function serverNow() { return Date.now() - skewMs; }

  function append(el, child) {
    if (child === undefined || child === null || child === false || child === '') return;
    if (Array.isArray(child)) { for (var i = 0; i < child.length; i++) append(el, child[i]); return; }
    el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  // Replaces el's children (skipping empty ones, unlike replaceChildren, which would print "null").
  function fill(el) { el.replaceChildren(); for (var i = 1; i < arguments.length; i++) append(el, arguments[i]); return el; }
  function setAttrs(el, attrs) {
    if (!attrs) return;
    for (var k in attrs) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.setAttribute('class', String(v)); else el.setAttribute(k, String(v));
    }
  }
  // Element with attributes (names from this script only) and children (strings become text nodes).
  function h(tag, attrs) {
    var el = document.createElement(tag);
    setAttrs(el, attrs);
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function svg(tag, attrs) {
    var el = document.createElementNS(SVGNS, tag);
    setAttrs(el, attrs);
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function badge(text, kind, attrs) { var a = attrs || {}; a['class'] = 'badge ' + (kind || ''); return h('span', a, text); }

  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function clock(ms) { var d = new Date(ms); return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()); }
  function dateTime(ms) {
    var d = new Date(ms);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }
  // 45s, 3m 12s, 2h 5m, 3d 4h
  function duration(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
    return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h';
  }
  // A span kept current by the ticker: "<prefix>3m 12s<suffix>" since (mode "ago") or until (mode "in") at.
  function relative(at, mode, prefix, suffix) {
    var el = h('span', { 'class': 'rel', 'data-at': at, 'data-mode': mode, 'data-prefix': prefix || '', 'data-suffix': suffix || '' });
    el.title = dateTime(at);
    tickOne(el, serverNow());
    return el;
  }
  function tickOne(el, now) {
    var at = Number(el.getAttribute('data-at'));
    var seconds = el.getAttribute('data-mode') === 'in' ? (at - now) / 1000 : (now - at) / 1000;
    el.textContent = el.getAttribute('data-prefix') + duration(seconds) + el.getAttribute('data-suffix');
  }
  // The moment a value refers to, in server time: an ISO time, else "seconds ago" as of the document.
  function momentOf(iso, secondsAgo) {
    var t = time(iso);
    if (t !== undefined) return t;
    var s = num(secondsAgo);
    return s === undefined ? undefined : receivedAt - skewMs - s * 1000;
  }

  // ---- header ----------------------------------------------------------------------------------------------
  function setConnection(state) {
    var el = document.getElementById('connection');
    el.className = 'badge ' + (state === 'live' ? 'ok' : state === 'disconnected' ? 'bad' : '');
    fill(el, h('span', { 'class': 'dot' }), state);
    el.title = state === 'live' ? 'receiving live updates from /events' : state === 'disconnected' ? 'lost the live feed from /events; retrying' : '';
  }

  function healthOf(address, target) {
    var health = str(address.health) || 'unknown';
    if (['up', 'down', 'unknown', 'pending'].indexOf(health) < 0) health = 'unknown';
    return { health: health, drained: address.drained === true || target.drained === true };
  }

  // Zone files that failed to load: what each one leaves its zone answering, and its problems.
  var SERVING_TEXT = { 'last-good': 'serving its last good revision', servfail: 'answering SERVFAIL', none: 'nothing served from this file' };
  function renderFailedFiles(failed) {
    var count = document.getElementById('failed-count');
    count.hidden = failed.length === 0;
    count.textContent = failed.length + (failed.length === 1 ? ' zone file failed to load' : ' zone files failed to load');
    var section = document.getElementById('failed-files');
    section.hidden = failed.length === 0;
    section.replaceChildren.apply(section, failed.map(function (f) {
      var file = obj(f);
      var serving = str(file.serving);
      var what = (SERVING_TEXT[serving] || serving) + (file.serial !== undefined ? ' (serial ' + str(file.serial) + ')' : '');
      var issues = arr(file.issues);
      return h('div', { 'data-testid': 'failed-file', 'data-file': str(file.file) },
        h('strong', null, str(file.file)), ' ',
        file.zone !== undefined ? 'zone ' + str(file.zone) + ': ' : '',
        badge(what, serving === 'last-good' ? 'warn' : 'bad', { 'data-testid': 'failed-serving' }),
        h.apply(null, ['ul', null].concat(issues.slice(0, 20).map(function (issue) { return h('li', null, str(issue)); }))));
    }));
  }

  function renderHeader(d) {
    var ready = document.getElementById('ready');
    if (d.ready === true) { ready.className = 'badge ok'; ready.textContent = 'ready'; }
    else if (d.ready === false) { ready.className = 'badge bad'; ready.textContent = 'not ready'; }
    else { ready.className = 'badge'; ready.textContent = 'readiness unknown'; }

    var reload = obj(d.lastReload);
    var reloadEl = document.getElementById('reload');
    var issues = arr(reload.issues);
    if (reload.ok === true) { reloadEl.className = 'badge ok'; reloadEl.textContent = 'last reload ok' + (issues.length ? ' (' + issues.length + ' issues)' : ''); }
    else if (reload.ok === false) { reloadEl.className = 'badge bad'; reloadEl.textContent = 'last reload failed: ' + issues.length + (issues.length === 1 ? ' issue' : ' issues'); }
    else { reloadEl.className = 'badge plain'; reloadEl.textContent = 'no reload information'; }
    var reloadAt = time(reload.at);
    reloadEl.title = reloadAt === undefined ? '' : 'at ' + dateTime(reloadAt);
    var list = document.getElementById('issues');
    list.replaceChildren.apply(list, issues.slice(0, 50).map(function (issue) { return h('li', null, str(issue)); }));
    if (issues.length > 50) list.appendChild(h('li', null, '… and ' + (issues.length - 50) + ' more'));
    renderFailedFiles(arr(d.failedZoneFiles));

    var counts = { up: 0, down: 0, other: 0, drained: 0 };
    arr(d.zones).forEach(function (zone) {
      arr(obj(zone).records).forEach(function (record) {
        arr(obj(record).targets).forEach(function (target) {
          arr(obj(target).addresses).forEach(function (address) {
            var s = healthOf(obj(address), obj(target));
            if (s.drained) counts.drained++;
            else if (s.health === 'up') counts.up++;
            else if (s.health === 'down') counts.down++;
            else counts.other++;
          });
        });
      });
    });
    fill(document.getElementById('counts'),
      badge(counts.up + ' up', 'ok'), ' ', badge(counts.down + ' down', counts.down ? 'bad' : 'plain'), ' ',
      badge(counts.other + ' unknown', counts.other ? '' : 'plain'), ' ', badge(counts.drained + ' drained', counts.drained ? 'purple' : 'plain'));

    var updated = time(d.generatedAt);
    fill(document.getElementById('updated'), 'updated ' + clock(updated === undefined ? receivedAt : updated) + ' ',
      relative(updated === undefined ? receivedAt - skewMs : updated, 'ago', '(', ' ago)'));
  }

  // ---- clusters, drains, maintenance ---------------------------------------------------------------------
  function table(headings, rows) {
    return h('table', null, h('thead', null, h('tr', null, headings.map(function (t) { return h('th', null, t); }))), h('tbody', null, rows));
  }

  function renderClusters(d) {
    var clusters = arr(d.clusters).map(obj);
    var body = clusters.length === 0 ? h('div', { 'class': 'muted' }, 'No Kubernetes clusters.') : table(['Cluster', 'Sync', 'Last event', 'Errors', 'Resources'],
      clusters.map(function (c) {
        var state = c.synced === true ? badge('synced', 'ok') : c.late === true ? badge('late', 'bad') : badge('syncing', 'warn');
        var last = momentOf(c.lastEventAt, c.lastEventAgeSeconds);
        var errors = num(c.errors) || 0;
        return h('tr', { 'data-testid': 'cluster', 'data-name': str(c.name) },
          h('td', { 'class': 'mono' }, str(c.name)), h('td', null, state),
          h('td', null, last === undefined ? h('span', { 'class': 'muted' }, 'none yet') : relative(last, 'ago', '', ' ago')),
          h('td', { 'class': errors > 0 ? 'err' : '' }, String(errors)),
          h('td', null, arr(c.resources).map(function (r) {
            r = obj(r);
            var objects = num(r.objects);
            return h('div', null, str(r.resource) + ': ' + (str(r.state) || (r.synced ? 'synced' : 'syncing')) + (objects === undefined ? '' : ', ' + objects + ' objects') +
              (num(r.errors) ? ', ' + r.errors + ' errors' : ''), r.lastError ? h('div', { 'class': 'muted' }, str(r.lastError)) : null);
          })));
      }));
    fill(document.querySelector('#clusters .body'), body);
  }

  function renderDrains(d) {
    var drains = arr(d.drains).map(obj);
    var body = drains.length === 0 ? h('div', { 'class': 'muted' }, 'Nothing is drained.') : table(['Target', 'By', 'Since', 'Until', 'Reason'],
      drains.map(function (x) {
        var since = time(x.since);
        var until = time(x.until);
        return h('tr', { 'data-testid': 'drain', 'data-target': str(x.target) },
          h('td', null, badge(str(x.target), 'purple')), h('td', null, str(x.by)),
          h('td', null, since === undefined ? '' : relative(since, 'ago', '', ' ago')),
          h('td', null, until === undefined ? h('span', { 'class': 'muted' }, 'until undrained') : [dateTime(until) + ' ', relative(until, 'in', '(in ', ')')]),
          h('td', null, str(x.reason)));
      }));
    fill(document.querySelector('#drains .body'), body);

    var windows = arr(d.maintenance).map(obj);
    var mbody = windows.length === 0 ? h('div', { 'class': 'muted' }, 'No maintenance windows.') : table(['Zone', 'Target', 'Schedule', 'Next', 'Now'],
      windows.map(function (w) {
        var next = time(w.next);
        var activeUntil = time(w.activeUntil);
        return h('tr', { 'data-testid': 'maintenance-window', 'data-target': str(w.target), 'data-active': w.active === true },
          h('td', { 'class': 'mono' }, str(w.zone)), h('td', { 'class': 'mono' }, str(w.target)),
          h('td', null, h('span', { 'class': 'mono' }, str(w.cron)), w.duration ? ' for ' + str(w.duration) : ''),
          h('td', null, next === undefined ? h('span', { 'class': 'muted' }, 'none') : [dateTime(next) + ' ', relative(next, 'in', '(in ', ')')]),
          h('td', null, w.active === true ? [badge('active', 'purple'), activeUntil === undefined ? '' : [' until ' + clock(activeUntil) + ' ', relative(activeUntil, 'in', '(', ' left)')]] : h('span', { 'class': 'muted' }, 'inactive')));
      }));
    fill(document.querySelector('#maintenance .body'), mbody);
  }

  // ---- timeline --------------------------------------------------------------------------------------------
  function healthColour(state) { return state === 'up' ? '#1a7f37' : state === 'down' ? '#cf222e' : '#6e7781'; }

  function renderTimeline(d) {
    var now = time(d.generatedAt);
    if (now === undefined) now = receivedAt - skewMs;
    var start = now - HOUR;
    var rows = new Map();
    arr(d.transitions).forEach(function (t) {
      t = obj(t);
      var at = time(t.at);
      if (at === undefined || at < start || at > now + 60000) return;
      var key = [str(t.zone), str(t.record), str(t.target), str(t.address)].join('|');
      var row = rows.get(key);
      if (!row) { row = { address: str(t.address), record: str(t.record), zone: str(t.zone), items: [], latest: 0 }; rows.set(key, row); }
      row.items.push({ at: at, from: str(t.from), to: str(t.to), reason: str(t.reason) });
      row.latest = Math.max(row.latest, at);
    });
    var container = document.getElementById('timeline');
    if (rows.size === 0) { fill(container, h('p', { 'class': 'muted' }, 'No transitions in the last hour.')); return; }
    var list = Array.from(rows.values()).sort(function (a, b) { return b.latest - a.latest; });
    var hidden = list.length - TIMELINE_ROWS;
    list = list.slice(0, TIMELINE_ROWS);

    var W = 1000, LABEL = 260, RIGHT = 20, ROW = 22, TOP = 8, AXIS = 24;
    var H = TOP + list.length * ROW + AXIS;
    var x = function (ms) { return LABEL + (Math.min(Math.max(ms, start), now) - start) / HOUR * (W - LABEL - RIGHT); };
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'Health transitions in the last hour' });
    root.appendChild(svg('title', null, 'Health transitions from ' + clock(start) + ' to ' + clock(now)));
    for (var m = 0; m <= 60; m += 10) {
      var tx = x(start + m * 60000);
      root.appendChild(svg('line', { x1: tx, x2: tx, y1: TOP - 4, y2: H - AXIS + 2, stroke: '#d1d9e0', 'stroke-width': 1 }));
      root.appendChild(svg('text', { x: tx, y: H - 8, 'text-anchor': m === 0 ? 'start' : m === 60 ? 'end' : 'middle', 'font-size': 11, fill: '#59636e' },
        m === 60 ? 'now' : '-' + (60 - m) + 'm'));
    }
    list.forEach(function (row, i) {
      var y = TOP + i * ROW + ROW / 2;
      var name = row.record && row.zone && row.record.slice(-(row.zone.length + 1)) === '.' + row.zone ? row.record.slice(0, -(row.zone.length + 1)) : row.record;
      var g = svg('g', { 'data-testid': 'timeline-row', 'data-address': row.address, 'data-record': row.record });
      if (name.length > 24) name = name.slice(0, 23) + '…';
      g.appendChild(svg('text', { x: 4, y: y + 4, 'font-size': 12, 'font-family': 'ui-monospace, monospace', fill: '#1f2328' },
        svg('title', null, row.record + ' ' + row.address), row.address + ' ' + name));
      row.items.sort(function (a, b) { return a.at - b.at; });
      // The state between transitions, as a thin bar: before the first one, what it changed from.
      var edges = [{ at: start, state: row.items[0].from }].concat(row.items.map(function (t) { return { at: t.at, state: t.to }; }));
      edges.forEach(function (e, k) {
        var end = k + 1 < edges.length ? edges[k + 1].at : now;
        var x1 = x(e.at), x2 = x(end);
        if (x2 - x1 > 0.5) g.appendChild(svg('rect', { x: x1, y: y - 3, width: x2 - x1, height: 6, rx: 2, fill: healthColour(e.state), 'fill-opacity': 0.35 }));
      });
      row.items.forEach(function (t) {
        var label = clock(t.at) + ' ' + row.record + ' ' + row.address + ': ' + (t.from || '?') + ' → ' + (t.to || '?') + (t.reason ? ' (' + t.reason + ')' : '');
        g.appendChild(svg('circle', { cx: x(t.at), cy: y, r: 5, fill: healthColour(t.to), stroke: '#fff', 'stroke-width': 1.5,
          'data-testid': 'transition', 'data-to': t.to, 'data-address': row.address }, svg('title', null, label)));
      });
      root.appendChild(g);
    });
    fill(container, root);
    if (hidden > 0) container.appendChild(h('p', { 'class': 'muted' }, hidden + ' more addresses changed; the most recent ' + TIMELINE_ROWS + ' are drawn.'));
  }

  // ---- zones and records -----------------------------------------------------------------------------------
  function sparkline(values) {
    var v = arr(values).filter(function (n) { return num(n) !== undefined && n >= 0; });
    if (v.length === 0) return null;
    var last = v[v.length - 1];
    var text = h('span', null, (last < 10 ? last.toFixed(1) : Math.round(last)) + ' ms');
    if (v.length < 2) return h('div', { 'class': 'spark' }, text);
    var W = 110, H = 22, max = Math.max.apply(null, v) || 1, min = Math.min.apply(null, v);
    var points = v.map(function (n, i) { return (i * W / (v.length - 1)).toFixed(1) + ',' + (H - 2 - n / max * (H - 4)).toFixed(1); }).join(' ');
    var avg = v.reduce(function (a, b) { return a + b; }, 0) / v.length;
    var graph = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, 'data-testid': 'sparkline', role: 'img', 'aria-label': 'probe latency' },
      svg('title', null, 'probe latency over the last ' + v.length + ' probes: min ' + min.toFixed(1) + ' ms, average ' + avg.toFixed(1) + ' ms, max ' + max.toFixed(1) + ' ms'),
      svg('polyline', { points: points, fill: 'none', stroke: '#fff', 'stroke-width': 1.5, 'stroke-linejoin': 'round' }));
    return h('div', { 'class': 'spark' }, graph, text);
  }

  function resultText(label, r) {
    r = obj(r);
    if (!r.reason && !r.at) return '';
    var at = time(r.at);
    var ms = num(r.durationMs);
    return label + ': ' + str(r.reason) + (ms === undefined ? '' : ' in ' + ms + ' ms') + (at === undefined ? '' : ' at ' + clock(at));
  }

  function addressCell(address, target) {
    var s = healthOf(address, target);
    var since = momentOf(address.since, address.sinceSeconds);
    var tip = [resultText('last probe', address.lastResult), resultText('last failure', address.lastFailure)].filter(Boolean).join('\n');
    return h('div', { 'class': 'cell ' + s.health + (s.drained ? ' drained' : ''), 'data-testid': 'address-cell', 'data-address': str(address.address),
      'data-health': s.health, 'data-drained': s.drained, title: tip || null },
      h('div', null, h('span', { 'class': 'addr' }, str(address.address)), h('span', { 'class': 'health' }, s.health + (s.drained ? ' · drained' : ''))),
      address.reason ? h('div', { 'class': 'reason', 'data-testid': 'reason' }, str(address.reason)) : null,
      since === undefined ? null : h('div', { 'data-testid': 'since' }, relative(since, 'ago', s.health + ' for ', '')),
      sparkline(address.latencyMs));
  }

  var ANSWER_SETS = 4;

  function answerView(answer) {
    var a = obj(answer);
    var rule = str(a.rule) || 'unknown';
    var kind = rule === 'healthy' ? 'ok' : rule === 'fail-open' || rule === 'others-healthy' ? 'warn' : rule === 'all-down' || rule === 'no-addresses' ? 'bad' : '';
    var parts = [h('span', { 'class': 'muted' }, 'answering'), badge(rule, kind, { 'data-testid': 'answer-rule', title: 'the rule that picked the answer' })];
    var any = false;
    ['A', 'AAAA'].forEach(function (type) {
      var sets = arr(a[type]).map(obj).filter(function (set) { return arr(set.addresses).length > 0; });
      // A record answering several of many targets has up to 256 possible answers: the likeliest few, then a count.
      sets.slice(0, ANSWER_SETS).forEach(function (set) {
        any = true;
        var p = num(set.probability);
        parts.push(h('span', { 'class': 'set', 'data-testid': 'answer-set' }, type + ' ' + arr(set.addresses).map(str).join(', ') + (p !== undefined && p < 1 ? ' (' + Math.round(p * 1000) / 10 + '%)' : '')));
      });
      if (sets.length > ANSWER_SETS) parts.push(h('span', { 'class': 'muted', 'data-testid': 'answer-more' }, '+' + (sets.length - ANSWER_SETS) + ' more'));
    });
    if (a.sampled === true) parts.push(h('span', { 'class': 'muted', title: 'too many orders to list them all: a random sample, so the shares are estimates' }, '(sampled)'));
    if (!any) parts.push(h('span', { 'class': 'err' }, answer === undefined ? 'answer not reported' : 'no addresses'));
    if (a.drainsIgnored === true) parts.push(h('span', { 'class': 'muted' }, '(drains ignored: every target is drained)'));
    return h('div', { 'class': 'answer', 'data-testid': 'record-answer' }, parts);
  }

  function checkText(check) {
    if (check === null) return 'no health check';
    var c = obj(check);
    if (!c.protocol) return '';
    var out = str(c.protocol) + (c.port ? ' :' + c.port : '') + (c.path ? ' ' + str(c.path) : '') + (c.host ? ' host ' + str(c.host) : '');
    if (num(c.intervalMs) !== undefined) out += ', every ' + c.intervalMs + ' ms';
    if (num(c.timeoutMs) !== undefined) out += ', timeout ' + c.timeoutMs + ' ms';
    if (num(c.rise) !== undefined) out += ', rise ' + c.rise + ' fall ' + str(c.fall);
    return out;
  }

  function recordView(record) {
    var name = str(record.name);
    if (record.kind !== 'balanced' && !Array.isArray(record.targets)) {
      return h('div', { 'class': 'simple', 'data-testid': 'record', 'data-name': name }, h('span', { 'class': 'record-name' }, name), badge(str(record.kind) || 'record', 'plain'));
    }
    var matrix = h('div', { 'class': 'matrix' });
    arr(record.targets).forEach(function (target, i) {
      target = obj(target);
      var index = num(target.index) === undefined ? i : target.index;
      var weight = num(target.weight);
      matrix.appendChild(h('div', { 'class': 'target', 'data-testid': 'target' },
        h('div', { 'class': 'label' }, '#' + index + ' ' + str(target.target)),
        target.cluster ? h('div', { 'class': 'muted' }, 'cluster ' + str(target.cluster)) : null,
        weight === undefined ? null : h('div', { 'class': 'muted' }, record.policy === 'failover' ? 'priority ' + (index + 1) : 'weight ' + weight),
        target.drained === true ? badge('drained', 'purple') : null));
      var addresses = arr(target.addresses).map(obj);
      matrix.appendChild(h('div', { 'class': 'cells' }, addresses.length ? addresses.map(function (a) { return addressCell(a, target); }) :
        h('span', { 'class': 'muted' }, 'no addresses discovered')));
    });
    return h('div', { 'class': 'record', 'data-testid': 'record', 'data-name': name },
      h('div', { 'class': 'record-head' }, h('span', { 'class': 'record-name' }, name), badge(str(record.policy) || str(record.kind), 'plain', { 'data-testid': 'policy' }),
        record.whenAllDown ? h('span', { 'class': 'muted' }, 'when all down: ' + str(record.whenAllDown)) : null,
        h('span', { 'class': 'muted' }, checkText(record.check))),
      answerView(record.answer), matrix);
  }

  // Whether a record needs attention: an address not up, a drain, or an answer not picked from healthy targets.
  function hasProblem(record) {
    if (record.answer && obj(record.answer).rule && obj(record.answer).rule !== 'healthy') return true;
    return arr(record.targets).some(function (t) {
      t = obj(t);
      return t.drained === true || arr(t.addresses).some(function (a) { a = obj(a); return a.drained === true || (a.health !== 'up'); });
    });
  }
  function matches(record, filter) {
    if (!filter) return true;
    if (str(record.name).toLowerCase().indexOf(filter) >= 0) return true;
    return arr(record.targets).some(function (t) {
      t = obj(t);
      return str(t.target).toLowerCase().indexOf(filter) >= 0 || arr(t.addresses).some(function (a) { return str(obj(a).address).toLowerCase().indexOf(filter) >= 0; });
    });
  }
  // The record's data without what changes every second anyway (ages are redrawn by the ticker).
  function signature(record) {
    return JSON.stringify(record, function (key, value) { return key === 'sinceSeconds' || key === 'lastEventAgeSeconds' ? undefined : value; });
  }

  function renderZoneBody(view) {
    var filter = document.getElementById('filter').value.trim().toLowerCase();
    var problemsOnly = document.getElementById('problems').checked;
    var records = arr(view.data.records).map(obj).filter(function (r) { return matches(r, filter) && (!problemsOnly || hasProblem(r)); });
    var shown = records.slice(0, view.limit);
    var children = shown.map(function (record) {
      var key = str(view.data.zone) + '|' + str(record.name);
      var sig = signature(record);
      var cached = recordViews.get(key);
      if (cached && cached.sig === sig) { cached.used = true; return cached.el; }
      var el = recordView(record);
      recordViews.set(key, { sig: sig, el: el, used: true });
      return el;
    });
    if (records.length === 0) children.push(h('p', { 'class': 'muted' }, filter || problemsOnly ? 'No record matches.' : 'No records.'));
    if (records.length > shown.length) {
      var more = h('button', { 'class': 'more', type: 'button' }, 'Show ' + Math.min(PAGE, records.length - shown.length) + ' more (' + shown.length + ' of ' + records.length + ' shown)');
      more.addEventListener('click', function () { view.limit += PAGE; renderZoneBody(view); });
      children.push(more);
    }
    sync(view.body, children);
  }

  // Makes parent's children exactly these nodes, moving only what is out of place (cheaper than replacing
  // thousands of unchanged records, which would restyle them all).
  function sync(parent, nodes) {
    for (var i = 0; i < nodes.length; i++) {
      var at = parent.childNodes[i];
      if (at !== nodes[i]) parent.insertBefore(nodes[i], at || null);
    }
    while (parent.childNodes.length > nodes.length) parent.removeChild(parent.lastChild);
  }

  function zoneSummary(view) {
    var records = arr(view.data.records).map(obj);
    var down = 0, drained = 0;
    records.forEach(function (r) {
      arr(r.targets).forEach(function (t) {
        arr(obj(t).addresses).forEach(function (a) {
          var s = healthOf(obj(a), obj(t));
          if (s.drained) drained++; else if (s.health === 'down') down++;
        });
      });
    });
    fill(view.summary, h('span', { 'class': 'zone-name mono' }, str(view.data.zone)),
      h('span', { 'class': 'muted' }, records.length + (records.length === 1 ? ' record' : ' records') + (num(view.data.serial) !== undefined ? ', serial ' + view.data.serial : '')),
      down ? badge(down + ' down', 'bad') : null, drained ? badge(drained + ' drained', 'purple') : null,
      view.data.file ? h('span', { 'class': 'muted mono' }, str(view.data.file)) : null,
      !view.details.open && records.length > BIG_ZONE ? h('span', { 'class': 'muted' }, '(collapsed: large zone, open to draw it)') : null);
  }

  function renderZones(d) {
    var container = document.getElementById('zones');
    var seen = new Set();
    var order = [];
    recordViews.forEach(function (v) { v.used = false; });
    arr(d.zones).map(obj).forEach(function (zone) {
      var name = str(zone.zone);
      seen.add(name);
      var view = zoneViews.get(name);
      if (!view) {
        var details = h('details', { 'class': 'zone', 'data-testid': 'zone', 'data-zone': name });
        view = { details: details, summary: h('summary'), body: h('div', { 'class': 'zone-body' }), limit: PAGE, data: zone };
        details.append(view.summary, view.body);
        details.open = arr(zone.records).length <= BIG_ZONE;
        details.addEventListener('toggle', (function (v) { return function () { zoneSummary(v); if (v.details.open) renderZoneBody(v); else v.body.replaceChildren(); }; })(view));
        zoneViews.set(name, view);
      }
      view.data = zone;
      order.push(view.details);
      zoneSummary(view);
      if (view.details.open) renderZoneBody(view);
    });
    zoneViews.forEach(function (view, name) { if (!seen.has(name)) zoneViews.delete(name); });
    sync(container, order.length ? order : [h('p', { 'class': 'muted' }, 'No zones loaded.')]);
    recordViews.forEach(function (v, key) { if (!v.used) recordViews.delete(key); });
  }

  // ---- updates ---------------------------------------------------------------------------------------------
  function render() {
    var d = pending;
    pending = null;
    if (!d) return;
    var generated = time(d.generatedAt);
    receivedAt = Date.now();
    skewMs = generated === undefined ? 0 : receivedAt - generated;
    doc = d;
    var steps = [renderHeader, renderClusters, renderDrains, renderTimeline, renderZones];
    var failures = [];
    steps.forEach(function (step) { try { step(d); } catch (e) { failures.push(String(e && e.message || e)); } });
    var error = document.getElementById('error');
    error.hidden = failures.length === 0;
    error.textContent = failures.length ? 'Could not draw part of the page: ' + failures.join('; ') : '';
  }
  function accept(d) {
    if (d === null || typeof d !== 'object') return;
    var first = pending === null;
    pending = d;
    // One redraw per frame however fast events arrive; a hidden tab draws the latest when shown again.
    if (first) { if (document.hidden) setTimeout(render, 0); else requestAnimationFrame(render); }
  }
  function onStatus(event) {
    try { gotEvent = true; accept(JSON.parse(event.data)); }
    catch (e) { var error = document.getElementById('error'); error.hidden = false; error.textContent = 'Unreadable status event: ' + String(e && e.message || e); }
  }
  function rerenderZones() { if (doc) zoneViews.forEach(function (view) { if (view.details.open) { view.limit = PAGE; renderZoneBody(view); } }); }

  var source = null;
  function connect() {
    source = new EventSource('/events');
    source.addEventListener('status', onStatus);
    source.addEventListener('message', onStatus);
    source.onopen = function () { setConnection('live'); };
    source.onerror = function () {
      setConnection('disconnected');
      // The browser retries by itself unless the feed failed for good (an HTTP error, a wrong type): then retry here.
      if (source.readyState === EventSource.CLOSED) { source.close(); setTimeout(connect, 3000); }
    };
  }

  document.getElementById('filter').addEventListener('input', rerenderZones);
  document.getElementById('problems').addEventListener('change', rerenderZones);
  setInterval(function () {
    var now = serverNow();
    var els = document.querySelectorAll('.rel');
    for (var i = 0; i < els.length; i++) tickOne(els[i], now);
  }, 1000);
  setConnection('connecting');
  connect();
  // A first picture without waiting for the feed's first event (only if the feed has not spoken yet).
  fetch('/status', { cache: 'no-store' }).then(function (r) { return r.ok ? r.json() : null; })
    .then(function (d) { if (!gotEvent && d) accept(d); }).catch(function () {});
})();
</script>
</body>
</html>
`;
