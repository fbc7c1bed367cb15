// Validation of one zone policy file, from YAML text to a normalised ZoneConfig or a list of positioned problems.
//
// Three passes, each reporting everything it finds:
//   1. YAML (yaml-positions.ts): syntax errors stop here (the tree after one is unreliable); duplicate keys are
//      reported and we go on.
//   2. Structure (structure.ts): ajv checks the plain data against the JSON schema (schema.ts), the same schema
//      editors use.
//   3. Semantics (semantics.ts and the modules it uses): rules that span keys or need DNS knowledge (addresses,
//      names, record kinds, defaults, ...), while building the ZoneConfig. This pass reads the data defensively and
//      skips whatever pass 2 already rejected.
// Every problem is positioned by mapping its JSON pointer back to the YAML node it came from. A valid file takes a
// faster way (yaml-plain.ts) through the same passes 2 and 3, and gives the same ZoneConfig.

import type { ReadTextFile } from './ca-files.js';
import type { CheckContext, ValidationOptions } from './check-context.js';
import type { ZoneConfig, ZoneIssue, OutOfZoneGlue } from './model.js';
import { checkZone, type DeclaredZone } from './semantics.js';
import { checkStructure, compileZoneSchema, type CompiledZoneSchema } from './structure.js';
import { readPlainYaml } from './yaml-plain.js';
import { readYamlWithPositions } from './yaml-positions.js';

export type { ReadTextFile } from './ca-files.js';
export type { ValidationOptions } from './check-context.js';
export { DEFAULTS } from './defaults.js';
export type { DeclaredZone } from './semantics.js';
export { deriveSerial } from './serial.js';
export { compileZoneSchema, type CompiledZoneSchema } from './structure.js';

export interface ZoneFileValidation {
  /** Present only when no issue is an error (warnings are allowed). */
  readonly zone?: ZoneConfig;
  /** Errors and warnings, in file order. */
  readonly issues: readonly ZoneIssue[];
  /** The zone name the file declares, when it is valid, even if other parts of the file are not. */
  readonly declared?: DeclaredZone;
  /** With `zone`: the addresses given to name servers outside it, ignored (see checkGlueAcrossZones). */
  readonly outOfZoneGlue?: readonly OutOfZoneGlue[];
}

/**
 * Validates and normalises the text of one zone policy file. `file` is used for positions and to resolve `ca`.
 * A caller validating many files passes one compiled `schema` for all of them.
 */
export function validateZoneText(
  text: string,
  file: string,
  readFile: ReadTextFile,
  options: ValidationOptions = {},
  schema: CompiledZoneSchema = compileZoneSchema(),
): ZoneFileValidation {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text; // a byte order mark is not content
  return validateValidFast(source, file, readFile, options, schema) ?? validateWithPositions(source, file, readFile, options, schema);
}

/**
 * The fast path, for the common case of a valid file: the same checks run on the plain data of yaml-plain.ts, which
 * knows no positions, and the first sign of any problem (a parse error, a duplicate key, an unusual key, any issue
 * at all) sends the file down the positioned path, which reports everything with file:line:column.
 */
function validateValidFast(
  source: string,
  file: string,
  readFile: ReadTextFile,
  options: ValidationOptions,
  schema: CompiledZoneSchema,
): ZoneFileValidation | undefined {
  const plain = readPlainYaml(source);
  if (plain === undefined) return undefined;
  const zoneKey = /^zone:/m.exec(source);
  if (zoneKey === null) return undefined;
  const issues: ZoneIssue[] = [];
  const ctx: CheckContext = { options, file, index: plain.index, root: plain.data, readFile, issues, warnings: [], outOfZoneGlue: [] };
  checkStructure(ctx, plain.data, schema);
  const { zone } = checkZone(ctx, plain.data);
  // A warning needs its position too: the positioned path reports it.
  if (issues.length > 0 || ctx.warnings.length > 0 || zone === undefined) return undefined;
  const line = source.slice(0, zoneKey.index).split('\n').length;
  return { zone, issues: [], declared: { zone: zone.zone, line, column: 1 } };
}

function validateWithPositions(
  source: string,
  file: string,
  readFile: ReadTextFile,
  options: ValidationOptions,
  schema: CompiledZoneSchema,
): ZoneFileValidation {
  const yaml = readYamlWithPositions(source);
  const issues: ZoneIssue[] = yaml.problems.map((problem) => ({ file, ...problem }));
  if (yaml.kind === 'syntax-errors') return { issues: dedupeIssues(sortIssues(issues)) };
  if (yaml.kind === 'no-data') return { issues };

  const ctx: CheckContext = { options, file, index: yaml.index, root: yaml.data, readFile, issues, warnings: [], outOfZoneGlue: [] };
  checkStructure(ctx, yaml.data, schema);
  const { zone, declared } = checkZone(ctx, yaml.data);
  const errors = dedupeIssues(issues);
  const all = dedupeIssues(sortIssues([...issues, ...ctx.warnings]));
  return errors.length === 0 && zone !== undefined ? { zone, issues: all, declared, outOfZoneGlue: ctx.outOfZoneGlue } : { issues: all, declared };
}

function sortIssues(issues: ZoneIssue[]): ZoneIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

function dedupeIssues(issues: readonly ZoneIssue[]): ZoneIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.line}:${issue.column}:${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
