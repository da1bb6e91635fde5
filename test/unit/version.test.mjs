import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareVersions, parseVersion } from '../../dist/core/version.js';
import { totalWatch } from '../../dist/tools/watch-ratio.js';
import { isInterested } from '../../dist/tools/reel-interest.js';

test('versions compare as versions, never as strings', () => {
  assert.is(compareVersions('2.10.0', '2.3.0'), 1);
  assert.is(compareVersions('2.3', '2.3.0'), 0);
  assert.is(compareVersions('10.0.1', '2.3.0'), 1);
  assert.is(compareVersions('2.2.9', '2.3.0'), -1);
  assert.is(compareVersions('1.10.0', '1.9.0'), 1);
  assert.is(compareVersions('v2.3.0', '2.3.0'), 0);
  assert.is(compareVersions('2.3.0-rc1', '2.3.0'), -1);
  assert.is(compareVersions('2.3.0-rc.2', '2.3.0-rc.10'), -1);
  assert.is(compareVersions('2.3.0+build7', '2.3.0'), 0);
  assert.is(parseVersion('2.x'), null);
  assert.is(parseVersion(''), null);
  assert.is(parseVersion(null), null);
});

test('watch totals under each platform rule', () => {
  // android >= 2.3.0 and ios: reel_watch_duration is the total
  assert.equal(totalWatch('android', '2.3.0', 50, 20, 3), { total: 50, duration: 20 });
  assert.equal(totalWatch('android', '2.10.0', 50, 20, 3), { total: 50, duration: 20 });
  assert.equal(totalWatch('Android', '10.0.1', '50', '20', null), { total: 50, duration: 20 });
  assert.equal(totalWatch('IOS', '1.0.0', 50, 20, 3), { total: 50, duration: 20 });
  // android < 2.3.0 resets per loop
  assert.equal(totalWatch('android', '2.2.9', 5, 20, 3), { total: 65, duration: 20 });
  assert.equal(totalWatch('android', '1.7.8', 5, 20, 0), { total: 5, duration: 20 });
  assert.equal(totalWatch('android', '2.3', 5, 20, 3), { total: 5, duration: 20 });
  // nulls and junk are refused with the field named
  assert.equal(totalWatch('android', '1.7.8', 5, 20, null), { error: 'missing replay_count' });
  assert.equal(totalWatch('android', null, 5, 20, 1), { error: 'missing app_version' });
  assert.equal(totalWatch('web', '1', 5, 20, 1), { error: 'unknown platform', detail: '"web"' });
  assert.equal(totalWatch('ios', '1', null, 20, 1), { error: 'missing reel_watch_duration' });
  assert.equal(totalWatch('ios', '1', 5, 0, 1), { error: 'bad reel_duration', detail: '0' });
  assert.equal(totalWatch('ios', '1', 'abc', 10, 1), { error: 'bad reel_watch_duration', detail: '"abc"' });
});

test('the interest rule', () => {
  assert.is(isInterested(true, true, 5), false); // cannot happen after final-action, but unlike wins
  assert.is(isInterested(false, true, 5), false);
  assert.is(isInterested(true, false, 0), true);
  assert.is(isInterested(false, false, 0.6), false);
  assert.is(isInterested(false, false, 0.6000001), true);
  assert.is(isInterested(false, false, null), false);
});

test.run();
