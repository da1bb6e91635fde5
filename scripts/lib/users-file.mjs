// scripts/lib/users-file.mjs: a shard's users file of the Insights recipe (count-by user_id
// -a total_duration_ms=sum(duration_ms) --order-by total_duration_ms:desc: one line per user, the null
// totals last), read without making the whole file a string: its lines and null totals counted by native
// newline searches, its first k lines read alone (2 x 15 MB of users took ~0.1 s as strings, ~25 ms so).
import fs from 'node:fs';

const NULL_TOTAL = Buffer.from('"total_duration_ms":null');

/** a users file's lines, and its last lines that hold a null total */
export function usersOf(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size, buf = Buffer.allocUnsafe(Math.min(size, 1 << 20) || 1);
    let lines = 0;
    for (let at = 0; at < size;) {
      const got = fs.readSync(fd, buf, 0, buf.length, at);
      if (got === 0) break;
      at += got;
      for (let i = buf.indexOf(10); i >= 0 && i < got; i = buf.indexOf(10, i + 1)) lines++;
    }
    return { lines, nulls: nullsAtEnd(fd, size) };
  } finally { fs.closeSync(fd); }
}

/** the lines at the end of a file of whole lines that hold a null total (a larger tail read when one
 *  may begin before the tail) */
function nullsAtEnd(fd, size) {
  for (let want = 1 << 16; ; want *= 4) {
    const len = Math.min(size, want), tail = Buffer.allocUnsafe(len);
    fs.readSync(fd, tail, 0, len, size - len);
    let nulls = 0, e = len; // tail[..., e) ends with a whole line
    while (e > 0) {
      const s = e >= 2 ? tail.lastIndexOf(10, e - 2) + 1 : 0; // (the line that ends at e - 1)
      if (s === 0 && len < size) break; // it may begin before the tail
      if (tail.subarray(s, e).indexOf(NULL_TOTAL) < 0) return nulls;
      nulls++;
      e = s;
    }
    if (len === size) return nulls;
  }
}

/** the first k lines of a file (all of it when it has fewer) */
export function firstLines(file, k) {
  const fd = fs.openSync(file, 'r');
  try {
    const parts = [];
    let seen = 0;
    for (let at = 0; ;) {
      const buf = Buffer.allocUnsafe(1 << 18), got = fs.readSync(fd, buf, 0, buf.length, at);
      if (got === 0) break;
      at += got;
      let e = -1;
      for (let i = buf.indexOf(10); i >= 0 && i < got; i = buf.indexOf(10, i + 1)) { e = i; if (++seen === k) break; }
      if (seen === k) { parts.push(buf.subarray(0, e + 1)); break; }
      parts.push(buf.subarray(0, got));
    }
    return Buffer.concat(parts);
  } finally { fs.closeSync(fd); }
}

/** lines (whole ones) without their last lines that hold a null total: the users with a total of a
 *  users file's first lines (a user none of whose interactions had a duration is no candidate: given to
 *  top, it was a "bad record", said and counted on every run that had one) */
export function withTotals(lines) {
  let e = lines.length;
  while (e > 0) {
    const s = e >= 2 ? lines.lastIndexOf(10, e - 2) + 1 : 0;
    if (lines.subarray(s, e).indexOf(NULL_TOTAL) < 0) break;
    e = s;
  }
  return lines.subarray(0, e);
}
