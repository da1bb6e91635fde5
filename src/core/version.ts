// Versions compare as versions: numeric dot segments ("2.10.0" > "2.3.0", "2.3" == "2.3.0",
// "10.0.1" > "2.3.0"), an optional leading "v", and a pre-release tag sorting before its release
// ("2.3.0-rc1" < "2.3.0"), as in semver. Strings and "1.10.0" < "1.9.0" pipelines get this wrong.

export interface Version { nums: number[]; pre: string }

/** the versions read lately (a stream holds a few distinct ones; frozen, as they are shared) */
const seen = new Map<string, Version | null>();

/** null when the text is not a version (digits separated by dots, optional -tag / +build) */
export function parseVersion(text: unknown): Version | null {
  if (typeof text === 'number') text = String(text);
  if (typeof text !== 'string') return null;
  const hit = seen.get(text);
  if (hit !== undefined) return hit;
  const m = /^\s*v?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$/.exec(text);
  const v = m ? Object.freeze({ nums: Object.freeze(m[1].split('.').map(Number)) as number[], pre: m[2] ?? '' }) : null;
  if (seen.size >= 4096) seen.clear();
  seen.set(text, v);
  return v;
}

function comparePre(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1; // a release is after its pre-releases
  if (b === '') return -1;
  const x = a.split('.'), y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === undefined) return -1;
    if (y[i] === undefined) return 1;
    const nx = /^\d+$/.test(x[i]), ny = /^\d+$/.test(y[i]);
    if (nx && ny) { const d = Number(x[i]) - Number(y[i]); if (d) return d < 0 ? -1 : 1; continue; }
    if (nx !== ny) return nx ? -1 : 1;
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

export function compareParsed(a: Version, b: Version): number {
  const n = Math.max(a.nums.length, b.nums.length);
  for (let i = 0; i < n; i++) {
    const d = (a.nums[i] ?? 0) - (b.nums[i] ?? 0);
    if (d) return d < 0 ? -1 : 1;
  }
  return comparePre(a.pre, b.pre);
}

/** -1, 0, 1; throws on text that is not a version */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a), y = parseVersion(b);
  if (!x || !y) throw new Error(`not a version: ${!x ? a : b}`);
  return compareParsed(x, y);
}
