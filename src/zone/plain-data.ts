// Reading the plain data a YAML parser gives, defensively: the checks run on data that the schema may already
// have rejected, so nothing about its shape can be assumed.

export type PlainMap = Record<string, unknown>;

export function isPlainMap(value: unknown): value is PlainMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function has(map: PlainMap, key: string): boolean {
  return Object.hasOwn(map, key);
}

export function isInteger(value: unknown, min: number, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
}
