// The operator status page the admin server serves at `/`: status-page/index.html, style.css and page.js (built
// from page.ts by its own tsconfig.json, for the browser), in one directory beside this module once built
// (`npm run build` copies the two static files next to the compiled script). Read once, when the admin server
// starts, and served from memory.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Errors } from '../base/errors.js';

export interface StatusPageAssets {
  readonly html: string;
  readonly css: string;
  readonly script: string;
}

/** The built page's directory: dist/src/observability/status-page/. */
export const STATUS_PAGE_DIRECTORY: URL = new URL('./status-page/', import.meta.url);

/** Reads the page's three files; MERIDIAN_STATUS_PAGE when one is missing (the build did not make it). */
export async function readStatusPage(directory: URL = STATUS_PAGE_DIRECTORY): Promise<StatusPageAssets> {
  const read = (name: string) => readFile(new URL(name, directory), 'utf8');
  try {
    const [html, css, script] = await Promise.all([read('index.html'), read('style.css'), read('page.js')]);
    return { html, css, script };
  } catch (error) {
    throw Errors.statusPage([fileURLToPath(directory), (error as NodeJS.ErrnoException).code ?? String(error)], { cause: error });
  }
}
