// The status page as the admin server serves it: the built files (index.html, style.css, page.js, made by
// `npm run build` in dist/src/observability/status-page/) read once at start, each with its content type, the
// page under a policy that lets it load only its own script and style. A page that was not built is a 503 at
// `/`, not a server that fails to start. (The page's behaviour in a browser: test/integration/status-page.test.ts.)

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { MeridianError } from '../../src/base/errors.js';
import { silentLogger } from '../../src/base/logger.js';
import { startAdminServer, type AdminServer } from '../../src/observability/admin.js';
import { STATUS_PAGE_DIRECTORY, readStatusPage } from '../../src/observability/status-page.js';

const adminOn = (page: URL): Promise<AdminServer> =>
  startAdminServer({
    endpoint: { host: '127.0.0.1', port: 0 },
    readiness: { ready: () => true },
    status: () => Readable.from(['{}']),
    page,
    logger: silentLogger,
  });

describe('the built status page', () => {
  it('is three files: the page, its style and its script, the page naming the other two', async () => {
    const page = await readStatusPage();
    assert.match(page.html, /^<!doctype html>/);
    assert.match(page.html, /<link rel="stylesheet" href="\/assets\/style\.css" \/>/);
    assert.match(page.html, /<script type="module" src="\/assets\/page\.js"><\/script>/);
    assert.match(page.css, /\.cell\.down \{/);
    assert.match(page.script, /new EventSource\('\/events'\)/);
    assert.doesNotMatch(page.script, /^import /m, 'type imports are gone: the browser loads nothing more');
  });

  it('missing, is MERIDIAN_STATUS_PAGE naming the directory', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'meridian-page-'));
    try {
      await assert.rejects(readStatusPage(pathToFileURL(`${empty}/`)), (error: unknown) => {
        assert.ok(error instanceof MeridianError);
        assert.equal(error.code, 'MERIDIAN_STATUS_PAGE');
        assert.match(error.message, new RegExp(`cannot read the status page in ${empty}/: ENOENT`));
        return true;
      });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('the admin server serves the status page', () => {
  let admin: AdminServer;
  let base: string;
  before(async () => {
    admin = await adminOn(STATUS_PAGE_DIRECTORY);
    base = `http://127.0.0.1:${admin.endpoint.port}`;
  });
  after(() => admin.close());

  const assets: Array<[string, RegExp, string]> = [
    ['/', /^text\/html; charset=utf-8$/, 'index.html'],
    ['/assets/style.css', /^text\/css; charset=utf-8$/, 'style.css'],
    ['/assets/page.js', /^text\/javascript; charset=utf-8$/, 'page.js'],
  ];
  for (const [url, type, file] of assets) {
    it(`${url}: ${file}, as ${type.source}`, async () => {
      const page = await readStatusPage();
      const response = await fetch(`${base}${url}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', type);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const body = await response.text();
      assert.equal(body, file === 'index.html' ? page.html : file === 'style.css' ? page.css : page.script);
    });
  }

  it('the page may load only its own script and style, and connect only to its server', async () => {
    const policy = (await fetch(`${base}/`)).headers.get('content-security-policy') ?? '';
    const directives = new Map(
      policy
        .split(';')
        .map((d) => d.trim().split(/\s+/) as [string, ...string[]])
        .map(([name, ...values]) => [name, values.join(' ')]),
    );
    assert.equal(directives.get('default-src'), "'none'");
    assert.equal(directives.get('script-src'), "'self'");
    assert.equal(directives.get('style-src'), "'self'");
    assert.equal(directives.get('connect-src'), "'self'");
    assert.equal(directives.get('img-src'), 'data:');
    assert.equal(directives.get('frame-ancestors'), "'none'");
    assert.doesNotMatch(policy, /unsafe-inline/);
  });

  it('anything else under /assets/ is not found', async () => assert.equal((await fetch(`${base}/assets/other.js`)).status, 404));
});

it('a page that was not built is a 503 at /, and the admin server still starts', async () => {
  const empty = await mkdtemp(path.join(tmpdir(), 'meridian-page-'));
  const admin = await adminOn(pathToFileURL(`${empty}/`));
  try {
    const base = `http://127.0.0.1:${admin.endpoint.port}`;
    const response = await fetch(`${base}/`);
    assert.equal(response.status, 503);
    assert.match(await response.text(), /the status page is not built \(npm run build\); the same information is at \/status/);
    assert.equal((await fetch(`${base}/assets/page.js`)).status, 404);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  } finally {
    await admin.close();
    await rm(empty, { recursive: true, force: true });
  }
});
