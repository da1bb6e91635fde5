// Small helpers for option values shared by the tools.
import { UsageError } from './tool.js';

/** values given repeated and/or comma-separated (--key a,b --key c) as one list, blanks dropped */
export function listOption(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** --types COL=TYPE,... as a map from column to type; a type not in `allowed` is a usage error */
export function columnTypes(values: readonly string[], allowed: readonly string[]): Map<string, string> {
  const types = new Map<string, string>();
  for (const t of listOption(values)) {
    const [col, type] = t.split('=');
    if (!col || !allowed.includes(type)) throw new UsageError(`--types takes COL=${allowed.join('|')} (got '${t}')`);
    types.set(col.trim(), type);
  }
  return types;
}
