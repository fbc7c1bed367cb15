// JSON pointers (RFC 6901) name the parts of a zone file: the schema reports its errors at them, the checks report
// at them, and a PositionIndex turns them back into the line and column of the YAML text.

/** A place in the text of a zone file; line 0 means no position. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Whether a problem is shown at a map entry's key or at its value. */
export type PointerPart = 'key' | 'value';

/** Where the node a pointer names stands in the text; each YAML reader (yaml-positions, yaml-plain) has one. */
export interface PositionIndex {
  position(pointer: string, part: PointerPart): { line: number; column: number };
  offset(pointer: string, part: PointerPart): number;
  /** The keys of the map at `pointer`, in file order. */
  keysOf(pointer: string): readonly string[];
}

export function childPointer(pointer: string, key: string): string {
  return `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

export function pointerSegments(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}
