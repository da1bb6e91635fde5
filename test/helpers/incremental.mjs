// Property tests of incremental recipes: split an input into pieces, load them in a random order with
// repeats, and compare every table (and view) of the database with those of one load of everything.
// (Dumps are read in-process: the same rows query-sqlite prints, ~100x faster than a process per table.)
import Database from 'better-sqlite3';

/** a deterministic generator (LCG) */
export function rng(seed) {
  let s = (seed * 2654435761) >>> 0 || 1;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const shuffle = (a) => { for (let i = a.length - 1; i > 0; i--) { const j = int(0, i); [a[i], a[j]] = [a[j], a[i]]; } return a; };
  return { next, int, shuffle, pick: (a) => a[Math.floor(next() * a.length)] };
}

/**
 * Split `text` (an array of lines) into k pieces and make a load plan for them. Two ways to split, by
 * seed: every line to a random piece (order kept: a day spread over every piece), or k contiguous runs
 * cut at random places (days cut in the middle). The plan: every piece once, in a random order, plus a
 * whole piece loaded again, a piece loaded together with another in one run (several files), and an
 * extra file of random lines already in other pieces (duplicates in a later load). Returns the pieces
 * (arrays of lines; the extra file is the last) and the runs (arrays of piece indexes).
 */
export function plan(text, seed, k) {
  const r = rng(seed);
  const scatter = seed % 2 === 1;
  let pieces;
  if (scatter) {
    pieces = Array.from({ length: k }, () => []);
    for (const l of text) pieces[r.int(0, k - 1)].push(l);
  } else {
    const cuts = Array.from({ length: k - 1 }, () => r.int(0, text.length)).sort((a, b) => a - b);
    const at = [0, ...cuts, text.length];
    pieces = at.slice(0, -1).map((a, i) => text.slice(a, at[i + 1]));
  }
  const extra = text.filter(() => r.next() < 0.05);
  pieces.push(extra);
  const runs = r.shuffle(pieces.map((_, i) => i)).map((i) => [i]);
  runs.splice(r.int(1, runs.length), 0, [r.int(0, k - 1)]);            // a whole piece again, later
  const [x] = runs.splice(r.int(0, runs.length - 1), 1);                 // two files in one load
  runs[r.int(0, runs.length - 1)].push(...x);
  runs.splice(r.int(0, runs.length), 0, [r.int(0, k)]);                 // and another repeat anywhere
  return { pieces, runs, how: scatter ? 'scattered lines' : 'contiguous runs' };
}

/** every table and view of a database, each as its rows (one JSON text a row, integers exact, REAL
 *  values in their shortest round-trip form: any difference of a bit shows), sorted */
export function dumpAll(file) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const out = {};
    const names = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name").pluck().all();
    for (const n of names) {
      const rows = db.prepare(`SELECT * FROM "${n}"`).safeIntegers(true).all();
      out[n] = rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : `${v}n`) : v))).sort().join('\n');
    }
    return out;
  } finally { db.close(); }
}
