// Loading zone policy files from disk: finding them, reading them, validating each one (validate.ts) and checking
// across files that no zone is declared twice, and that out-of-zone name server addresses agree with the zone
// served for the name (cross-check.ts). All problems come back together as ZoneIssues; nothing throws.

import { readFileSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { checkGlueAcrossZones } from './cross-check.js';
import { blockingIssues, type FailedZoneFile, type OutOfZoneGlue, type ZoneConfig, type ZoneIssue, type ZoneLoadResult } from './model.js';
import { compileZoneSchema, validateZoneText, type CompiledZoneSchema, type DeclaredZone, type ReadTextFile, type ValidationOptions } from './validate.js';

export type { ValidationOptions } from './validate.js';

export type { ReadTextFile } from './validate.js';

/** Extensions of zone policy files in a directory (compared case-insensitively). */
export const ZONE_FILE_EXTENSIONS: readonly string[] = ['.yaml', '.yml'];

/**
 * Validates and normalises the text of one zone policy file. Pure apart from `readFile`, which reads the CA files
 * that `check.tls.ca` names (resolved against the directory of `file`); by default it reads them from disk.
 * `zone` is present only when no issue is an error; `issues` holds the warnings too.
 */
export function parseZoneText(
  text: string,
  file: string,
  readFile: ReadTextFile = readTextFileSync,
  options: ValidationOptions = {},
  schema: CompiledZoneSchema = compileZoneSchema(),
): { zone?: ZoneConfig; issues: ZoneIssue[] } {
  const { zone, issues } = validateZoneText(text, file, readFile, options, schema);
  return zone === undefined ? { issues: [...issues] } : { zone, issues: [...issues] };
}

/**
 * Loads every zone policy file (*.yaml, *.yml) directly in `dir`, in name order. Subdirectories and hidden files
 * are skipped; symbolic links are followed (a Kubernetes ConfigMap volume is made of them).
 */
export async function loadZoneDirectory(dir: string, options: ValidationOptions = {}): Promise<ZoneLoadResult> {
  const listing = await listZoneFiles(dir);
  if (!listing.ok) return { ok: false, issues: [listing.issue], zones: [], failed: [] };
  return loadZoneFiles(listing.files, options);
}

/**
 * Loads zone policy files named by `paths`: each one a file (whatever its extension) or a directory (as
 * loadZoneDirectory). A file named twice, directly or through its directory, is loaded once.
 * This is what `meridian validate PATH...` runs. A path that cannot be read is in `issues` only, not in `failed`.
 */
export async function loadZonePaths(paths: readonly string[], options: ValidationOptions = {}): Promise<ZoneLoadResult> {
  if (paths.length === 0) return { ok: false, issues: [wholeFileIssue('.', 'no zone policy files or directories given')], zones: [], failed: [] };
  // Problems with the paths themselves are reported in the order the paths were given, among the files' problems.
  const entries: Array<{ readonly files: readonly string[] } | { readonly issue: ZoneIssue }> = [];
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch (error) {
      entries.push({ issue: wholeFileIssue(path, `cannot read: ${describeFsError(error)}`) });
      continue;
    }
    if (!isDirectory) {
      entries.push({ files: [path] });
      continue;
    }
    const listing = await listZoneFiles(path);
    entries.push(listing.ok ? { files: listing.files } : { issue: listing.issue });
  }

  const seen = new Set<string>();
  const files: string[] = [];
  for (const entry of entries) {
    if (!('files' in entry)) continue;
    for (const file of entry.files) {
      const absolute = resolve(file);
      if (!seen.has(absolute)) files.push(file);
      seen.add(absolute);
    }
  }
  const outcomes = await loadOutcomes(files, options);
  // Each file's issues go where the file is first named; a file named again has been loaded once only.
  const unreported = new Map(outcomes.map((outcome) => [outcome.file, outcome.issues]));
  const issues: ZoneIssue[] = [];
  for (const entry of entries) {
    if ('issue' in entry) {
      issues.push(entry.issue);
      continue;
    }
    for (const file of entry.files) {
      issues.push(...(unreported.get(file) ?? []));
      unreported.delete(file);
    }
  }
  return resultOf(outcomes, issues);
}

// ---------------------------------------------------------------------------------------------------------------

type Listing = { readonly ok: true; readonly files: string[] } | { readonly ok: false; readonly issue: ZoneIssue };

async function listZoneFiles(dir: string): Promise<Listing> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    return { ok: false, issue: wholeFileIssue(dir, `cannot read the zone directory: ${describeFsError(error)}`) };
  }
  const candidates = names
    .filter((name) => !name.startsWith('.') && ZONE_FILE_EXTENSIONS.includes(extname(name).toLowerCase()))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files: string[] = [];
  for (const name of candidates) {
    const file = join(dir, name);
    // stat, not the directory entry: it follows symbolic links.
    const isFile = await stat(file).then(
      (s) => s.isFile(),
      () => true,
    ); // an unreadable entry is reported on read
    if (isFile) files.push(file);
  }
  if (files.length === 0) {
    return { ok: false, issue: wholeFileIssue(dir, 'no zone policy files (*.yaml, *.yml) in this directory') };
  }
  return { ok: true, files };
}

interface FileOutcome {
  readonly file: string;
  /** Present only when no issue is an error. */
  zone?: ZoneConfig;
  readonly issues: ZoneIssue[];
  readonly declared?: DeclaredZone;
  readonly outOfZoneGlue?: readonly OutOfZoneGlue[];
}

async function loadZoneFiles(files: readonly string[], options: ValidationOptions): Promise<ZoneLoadResult> {
  const outcomes = await loadOutcomes(files, options);
  return resultOf(
    outcomes,
    outcomes.flatMap((outcome) => outcome.issues),
  );
}

/** Every zone that loaded with the warnings; and when there is any error, the files that failed. */
function resultOf(outcomes: readonly FileOutcome[], issues: ZoneIssue[]): ZoneLoadResult {
  const zones = outcomes.map((outcome) => outcome.zone).filter((zone) => zone !== undefined);
  if (blockingIssues(issues).length === 0) return { ok: true, zones, issues };
  const failed: FailedZoneFile[] = outcomes
    .filter((outcome) => outcome.zone === undefined)
    .map((outcome) => ({ file: outcome.file, issues: outcome.issues, ...(outcome.declared === undefined ? {} : { zone: outcome.declared.zone }) }));
  return { ok: false, issues, zones, failed };
}

/** Reads and validates every file (in parallel), then checks across them; outcomes are in the order of `files`. */
async function loadOutcomes(files: readonly string[], options: ValidationOptions): Promise<FileOutcome[]> {
  // One compiled schema for every file of the load (compiling it costs more than validating a small file).
  const schema = compileZoneSchema();
  const outcomes = await Promise.all(files.map((file) => loadZoneFile(file, options, schema)));
  checkZonesDeclaredOnce(outcomes);
  checkAcrossZones(outcomes);
  return outcomes;
}

/** Cross-zone warnings go to the file they are about, in position among its other issues. */
function checkAcrossZones(outcomes: readonly FileOutcome[]): void {
  const loaded = outcomes.flatMap((outcome) => (outcome.zone === undefined ? [] : [{ zone: outcome.zone, outOfZoneGlue: outcome.outOfZoneGlue ?? [] }]));
  const byFile = new Map(outcomes.map((outcome) => [outcome.file, outcome]));
  for (const issue of checkGlueAcrossZones(loaded)) {
    const outcome = byFile.get(issue.file)!;
    outcome.issues.push(issue);
    sortByPosition(outcome.issues);
  }
}

/** Stable: issues at one position keep the order they were found in. */
function sortByPosition(issues: ZoneIssue[]): void {
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

async function loadZoneFile(file: string, options: ValidationOptions, schema: CompiledZoneSchema): Promise<FileOutcome> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    return { file, issues: [wholeFileIssue(file, `cannot read: ${describeFsError(error)}`)] };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { file, issues: [wholeFileIssue(file, 'is not UTF-8 text')] };
  }
  const { zone, issues, declared, outOfZoneGlue } = validateZoneText(text, file, readTextFileSync, options, schema);
  return {
    file,
    issues: [...issues],
    ...(zone === undefined ? {} : { zone }),
    ...(declared === undefined ? {} : { declared }),
    ...(outOfZoneGlue === undefined ? {} : { outOfZoneGlue }),
  };
}

/** The same zone in two files is an error at the second `zone:` key, naming where the first one is. */
function checkZonesDeclaredOnce(outcomes: readonly FileOutcome[]): void {
  const first = new Map<string, { file: string; line: number }>();
  for (const outcome of outcomes) {
    const declared = outcome.declared;
    if (declared === undefined) continue;
    const earlier = first.get(declared.zone);
    if (earlier === undefined) {
      first.set(declared.zone, { file: outcome.file, line: declared.line });
      continue;
    }
    outcome.issues.push({
      file: outcome.file,
      line: declared.line,
      column: declared.column,
      message: `zone '${declared.zone}' is already declared in ${earlier.file}:${earlier.line}`,
    });
    // The file no longer loads: its zone is served from the first file only.
    delete outcome.zone;
    sortByPosition(outcome.issues);
  }
}

function wholeFileIssue(file: string, message: string): ZoneIssue {
  return { file, line: 0, column: 0, message };
}

function readTextFileSync(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const FS_ERROR_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
};

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (code !== undefined ? FS_ERROR_TEXT[code] : undefined) ?? (error as Error).message;
}
