// core/time against independent computations: Intl's own formatting (a different code path from the
// cached offsets) over sweeps across DST switches, and Date-based ISO-week arithmetic.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ZoneClock, parseTimestamp, isoBytesMs, epochBytesMs, isoWeek, isoWeekLabel, weekStart, addDays, daysBetween, isValidDate, quarterStart } from '../../dist/core/time.js';

const fmts = new Map();
/** "YYYY-MM-DD HH:MM:SS" by Intl's own formatter (sv-SE writes ISO-like dates) */
function intlLocal(ms, zone) {
  if (!fmts.has(zone)) fmts.set(zone, new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }));
  return fmts.get(zone).format(ms);
}

test('local date-times equal Intl every 23m17s across two years in DST-heavy zones', () => {
  for (const zone of ['America/Chicago', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham', 'UTC']) {
    const clock = new ZoneClock(zone);
    let n = 0;
    for (let t = Date.parse('2019-12-01T00:00:00Z'); t < Date.parse('2021-12-31T00:00:00Z'); t += 1_397_000 + 17) {
      assert.is(clock.localDateTime(t), intlLocal(t, zone), `${zone} ${new Date(t).toISOString()}`);
      n++;
    }
    assert.ok(n > 45000);
  }
});

test('every second around the 2020 US switches: the instant before and at each transition', () => {
  const c = new ZoneClock('America/Chicago');
  for (const at of ['2020-03-08T08:00:00Z', '2020-11-01T07:00:00Z']) {
    const t = Date.parse(at);
    for (let d = -3600_000; d <= 3600_000; d += 1000) assert.is(c.localDateTime(t + d), intlLocal(t + d, 'America/Chicago'));
    assert.is.not(c.offsetMs(t - 1), c.offsetMs(t));
  }
});

test('epoch units: auto by magnitude, explicit units checked, long digit strings exact', () => {
  const ms = Date.parse('2020-03-08T06:00:00Z');
  assert.is(parseTimestamp(ms / 1000), ms);
  assert.is(parseTimestamp(String(ms / 1000)), ms);
  assert.is(parseTimestamp(ms), ms);
  assert.is(parseTimestamp(`${ms}000`), ms);
  assert.is(parseTimestamp(`${ms}000123`), ms);
  assert.is(parseTimestamp(`${ms - 1}999999`), ms - 1); // 19-digit ns just before midnight stays before
  assert.is(parseTimestamp('1682938000.5'), 1682938000500);
  assert.is(parseTimestamp(-86400), -86400000);
  assert.is(parseTimestamp(ms / 1000, { unit: 's' }), ms);
  assert.is(parseTimestamp(`${ms}000`, { unit: 'us' }), ms);
  assert.match(String(parseTimestamp(ms, { unit: 's' })), /looks like ms/);
  assert.match(String(parseTimestamp(ms * 1000, { unit: 'ms' })), /out of range for unit ms \(it looks like us\)/);
  // the unit of a decimal whose double is a bound (1e11, 1e14, 1e17) from its digits: these are below
  // the bound (s, ms, µs: out of range), not at it (ms, µs, ns: 1973, as their doubles said)
  for (const t of ['99999999999.9999999', '99999999999999.99999', '99999999999999999.9']) {
    assert.match(String(parseTimestamp(t)), /out of range for unit/, t);
    assert.match(String(parseTimestamp(Number(t), { text: t })), /out of range for unit/, t);
  }
  assert.is(parseTimestamp('100000000000.0000001'), 100000000000); // at the bound: ms
  assert.is(parseTimestamp('1e11'), 100000000000);
  for (const bad of ['', 'abc', 'NaN', '2024-13-01', '2024-02-30', '2024-01-01T25:00', '12:00', true, null]) assert.type(parseTimestamp(bad), 'string', String(bad));
});

test('ISO-8601 strings: offsets, fractions, naive times in a zone (gap shifts forward, overlap takes the earlier)', () => {
  assert.is(parseTimestamp('2024-10-09T11:27:35Z'), Date.UTC(2024, 9, 9, 11, 27, 35));
  assert.is(parseTimestamp('2024-10-09T11:27:35.123456+05:30'), Date.UTC(2024, 9, 9, 5, 57, 35, 123));
  assert.is(parseTimestamp('2024-10-09 11:27:35.139000'), Date.UTC(2024, 9, 9, 11, 27, 35, 139));
  assert.is(parseTimestamp('2021-01-31 23:01:25.295'), Date.UTC(2021, 0, 31, 23, 1, 25, 295));
  assert.is(parseTimestamp('2024-10-09'), Date.UTC(2024, 9, 9));
  assert.is(parseTimestamp('2024-10-09T11:27:35+0530'), Date.UTC(2024, 9, 9, 5, 57, 35));
  assert.is(parseTimestamp('2024-10-09T11:27:35-03'), Date.UTC(2024, 9, 9, 14, 27, 35));
  assert.is(parseTimestamp('20240309T010000Z'), Date.UTC(2024, 2, 9, 1));
  const chi = { inputTz: 'America/Chicago' };
  assert.is(parseTimestamp('2020-07-01 12:00:00', chi), Date.UTC(2020, 6, 1, 17));
  assert.is(parseTimestamp('2020-03-08 02:30:00', chi), Date.UTC(2020, 2, 8, 8, 30)); // gap: 03:30 CDT
  assert.is(parseTimestamp('2020-11-01 01:30:00', chi), Date.UTC(2020, 10, 1, 6, 30)); // overlap: the CDT one
  // " UTC" / " GMT" after the time, as BigQuery's CSV exports write a TIMESTAMP: UTC whatever the input zone
  assert.is(parseTimestamp('2023-01-01 04:17:40.123456 UTC', chi), Date.UTC(2023, 0, 1, 4, 17, 40, 123));
  assert.is(parseTimestamp('2023-01-01 04:17:40.123456 UTC', { ...chi, fine: true }), Date.UTC(2023, 0, 1, 4, 17, 40, 123) + 0.456);
  assert.is(parseTimestamp('2023-01-01T23:30:00 GMT', chi), Date.UTC(2023, 0, 1, 23, 30));
  assert.is(parseTimestamp('2023-01-01 04:17:40UTC'), Date.UTC(2023, 0, 1, 4, 17, 40));
  for (const t of ['2023-01-01 UTC', '2023-01-01 04:17:40 utc', '2023-01-01 04:17:40 UTC+1', '2023-01-01 04:17:40 CET', '2023-01-01 04:17:40 Z UTC']) assert.type(parseTimestamp(t), 'string', t);
});

/** ISO week the slow way: Thursday of the date's week, counted from the first Thursday of its year */
function slowIsoWeek(date) {
  const d = new Date(date + 'T00:00:00Z');
  const wd = (d.getUTCDay() + 6) % 7;
  const th = new Date(d.getTime() + (3 - wd) * 86400000);
  const y = th.getUTCFullYear();
  const jan1 = Date.UTC(y, 0, 1);
  return { year: y, week: Math.floor((th.getTime() - jan1) / 86400000 / 7) + 1 };
}

test('ISO weeks over 1999-2031 equal a Date-based computation; labels at year ends', () => {
  for (let t = Date.UTC(1999, 0, 1); t < Date.UTC(2031, 0, 1); t += 86400000) {
    const date = new Date(t).toISOString().slice(0, 10);
    assert.equal(isoWeek(date), slowIsoWeek(date), date);
  }
  assert.is(isoWeekLabel('2021-01-03'), '2020-W53');
  assert.is(isoWeekLabel('2021-01-04'), '2021-W01');
  assert.is(isoWeekLabel('2024-12-30'), '2025-W01');
  assert.is(isoWeekLabel('2020-12-31'), '2020-W53');
  assert.is(isoWeekLabel('2026-01-01'), '2026-W01');
  assert.is(isoWeekLabel('0650-06-01'), '0650-W22'); // (four-digit years)
});

test('periods: week starts (Monday/Sunday), quarters, period starts in a zone', () => {
  assert.is(weekStart('2024-10-09'), '2024-10-07');
  assert.is(weekStart('2024-10-06'), '2024-09-30');
  assert.is(weekStart('2024-10-09', 'sunday'), '2024-10-06');
  assert.is(weekStart('2024-10-06', 'sunday'), '2024-10-06');
  assert.is(quarterStart('2024-08-31'), '2024-07-01');
  assert.is(addDays('2024-02-28', 1), '2024-02-29');
  assert.is(addDays('2023-02-28', 1), '2023-03-01');
  assert.is(daysBetween('2020-01-01', '2021-01-01'), 366);
  assert.ok(isValidDate('2024-02-29'));
  assert.not.ok(isValidDate('2023-02-29'));
  const c = new ZoneClock('Asia/Kolkata');
  assert.is(c.periodStart(Date.parse('2021-03-31T19:00:00Z'), 'quarter'), '2021-04-01');
  assert.is(c.periodStart(Date.parse('2021-12-31T19:00:00Z'), 'year'), '2022-01-01');
});

test('unknown zones are refused with a clear message', () => {
  assert.throws(() => new ZoneClock('Mars/Base'), /unknown time zone 'Mars\/Base'/);
});

test('offsets over the bucket a change falls in, on its edge or inside it (Dublin 1916 at 02:25:21 UTC, Kathmandu\'s +5:45, Lord Howe\'s half hour): every second as Intl gives it', () => {
  const cases = [['Europe/Dublin', Date.UTC(1916, 9, 1, 2, 25, 21)], ['Asia/Kathmandu', Date.UTC(1985, 11, 31, 18, 30)], ['Australia/Lord_Howe', Date.UTC(2020, 3, 4, 15)], ['America/Chicago', Date.UTC(2020, 10, 1, 7)]];
  for (const [zone, t] of cases) {
    const c = new ZoneClock(zone), ref = new ZoneClock(zone), seen = new Set();
    for (let ms = t - 1_800_000; ms <= t + 1_800_000; ms += 1000) {
      const o = c.offsetMs(ms); seen.add(o);
      if (o !== ref.exactOffset(ms)) assert.unreachable(`${zone} at ${new Date(ms).toISOString()}: ${o} against ${ref.exactOffset(ms)}`);
    }
    for (const d of [-1, 1, 999]) assert.is(c.offsetMs(t + d), ref.exactOffset(t + d), `${zone} at ${t + d}`);
    assert.is(seen.size, 2, `${zone}: a change in the window`);
  }
});

test('close timestamps share their offsets: 1M local dates over 11 days ask Intl once a 15-minute bucket (its start, the end of the one before), and agree with it', () => {
  // (the speed itself is measured by bench/, never by a timed test: this checks the mechanism it rests on)
  const c = new ZoneClock('America/Chicago');
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago', year: 'numeric', month: '2-digit', day: '2-digit' });
  let asked = 0;
  const exact = c.exactOffset.bind(c);
  c.exactOffset = (ms) => { asked++; return exact(ms); };
  const from = 1583600000000, step = 997; // 2020-03-07 16:53 UTC on: over the DST change of 2020-03-08
  for (let i = 0; i < 1_000_000; i++) {
    const t = from + i * step, got = c.localDate(t);
    if (i % 9973 === 0) assert.is(got, f.format(t), `at ${new Date(t).toISOString()}`);
  }
  const buckets = Math.ceil((999_999 * step) / (15 * 60_000)) + 1;
  // one question a bucket (its start, shared with the bucket before as its end) and one more at the
  // end, and a few for the one holding the change
  assert.ok(asked <= buckets + 1 + 40, `${asked} offsets asked for ${buckets} buckets`);
  assert.ok(asked >= buckets, `${asked} offsets asked for ${buckets} buckets`);
});

test('the byte-level parsers (isoBytesMs, epochBytesMs) give parseTimestamp\'s answer or step aside (NaN, -1)', () => {
  let seed = 1;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const pick = (a) => a[rnd(a.length)];
  const d2 = () => String(rnd(100)).padStart(2, '0');
  const clocks = ['UTC', 'America/Chicago', 'Asia/Kolkata', 'Australia/Lord_Howe'].map((z) => new ZoneClock(z));
  let fast = 0;
  for (let i = 0; i < 200_000; i++) {
    let t;
    if (rnd(10) < 7) {
      t = `${pick(['2023', '2020', '1900', '2100', '0000', '9999', '2024', '20a3'])}${pick(['-', '-', '-', '', '/'])}${pick(['01', '02', '03', '11', '12', '00', '13', d2()])}-${pick(['01', '28', '29', '30', '31', '08', d2()])}`;
      if (rnd(10) < 8) {
        t += pick(['T', ' ', 't', '_']) + pick(['00', '23', '24', '02', d2()]) + pick([':', ':', '']) + pick(['00', '59', '60', d2()]);
        if (rnd(10) < 7) t += pick([':', ':', '']) + pick(['00', '59', '60', '61', d2(), '5']);
        if (rnd(10) < 3) t += pick(['.', ',', '.', ':']) + pick(['', '5', '12', '123', '1234', '000001', '9999999', 'x']);
        if (rnd(10) < 4) t += pick(['Z', 'z', '+', '-', ' Z', '+05:30', '-08:00', '+0530', '+05', '-05:', '+24:00', '+05:60', '+5', 'ZZ', 'Z ', '+05:300', '-1200']);
      }
      if (rnd(20) === 0) t = ' ' + t;
      if (rnd(20) === 0) t += ' ';
    } else {
      t = '';
      for (let j = 8 + rnd(13); j > 0; j--) t += String(rnd(10));
      if (rnd(20) === 0) t = '-' + t;
      if (rnd(30) === 0) t += '.5';
    }
    const b = Buffer.from(t), clock = pick(clocks);
    const want = parseTimestamp(t, { inputTz: clock.zone });
    let got = epochBytesMs(b, 0, b.length);
    if (got < 0) got = isoBytesMs(b, 0, b.length, clock);
    if (got === got) { fast++; assert.is(got, want, `${JSON.stringify(t)} in ${clock.zone}`); }
  }
  assert.ok(fast > 20_000, `fast path taken ${fast} times`);
});

test.run();
