// Small helpers for option values shared by the tools.

/** values given repeated and/or comma-separated (--key a,b --key c) as one list, blanks dropped */
export function listOption(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}
