// to-local-date --grain G1,G2 --as N1,N2: the fields appended in one edit (its text made again only when
// the day changes, or every record with 'second'), or replaced in place when a record has one of them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sh } from '../helpers/sh.mjs';

test('several grains: appended after the last member (blanks, an empty object), replaced when present, by day', () => {
  const input = [
    '{"t":"2024-01-31 23:59:59","a":1}',
    '{"t":"2024-01-31 23:00:00" , "a":2  }',
    '{"t":"2024-02-01 00:00:00","date":"old"}',
    '{"t":"2024-02-01 00:00:01"}',
    '{"t":"2024-02-29 12:00:00","month":null,"x":{"y":1}}',
    '{"t":"2024-03-01 00:00:00","u":"\\u00e9"}',
    '{"t":"2024-03-01 00:00:00"}',
  ].join('\n') + '\n';
  const r = sh(`to-local-date --field t --tz UTC --grain day,month --as date,month`, { input });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, [
    '{"t":"2024-01-31 23:59:59","a":1,"date":"2024-01-31","month":"2024-01-01"}',
    '{"t":"2024-01-31 23:00:00" , "a":2  ,"date":"2024-01-31","month":"2024-01-01"}',
    '{"t":"2024-02-01 00:00:00","date":"2024-02-01","month":"2024-02-01"}',
    '{"t":"2024-02-01 00:00:01","date":"2024-02-01","month":"2024-02-01"}',
    '{"t":"2024-02-29 12:00:00","month":"2024-02-01","x":{"y":1},"date":"2024-02-29"}',
    '{"t":"2024-03-01 00:00:00","u":"\\u00e9","date":"2024-03-01","month":"2024-03-01"}',
    '{"t":"2024-03-01 00:00:00","date":"2024-03-01","month":"2024-03-01"}',
  ].join('\n') + '\n');
  const s = sh(`to-local-date --field t --tz America/Chicago --grain second,day --as local,d`, { input: '{"t":"2024-01-31T23:59:59Z"}\n{"t":"2024-01-31T23:59:58Z"}\n{ }\n' });
  assert.is(s.stdout, '{"t":"2024-01-31T23:59:59Z","local":"2024-01-31 17:59:59","d":"2024-01-31"}\n{"t":"2024-01-31T23:59:58Z","local":"2024-01-31 17:59:58","d":"2024-01-31"}\n');
  assert.match(s.stderr, /missing t/);
});

test.run();
