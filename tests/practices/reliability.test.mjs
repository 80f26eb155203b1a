// The ingest under SIGKILL, at test size: 2,000 events from 8 concurrent clients, the server
// killed 3 times and restarted on the same database (SQLite, or AU_TEST_DATABASE_URL).
// The full size (50,000 events, 32 clients, 20 kills) runs in `make bench`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runReliability, summaryText } from './reliability.mjs';

test('every acknowledged event is stored exactly once across SIGKILLs, and the chain verifies', { timeout: 120_000 }, async () => {
  const s = await runReliability({ events: 2000, clients: 8, kills: 3, databaseUrl: process.env.AU_TEST_DATABASE_URL || '' });
  console.log(summaryText(s));
  assert.equal(s.kills, 3, 'the server was killed 3 times');
  assert.equal(s.acknowledged, 2000);
  assert.equal(s.stored, 2000, 'every acknowledged event is read back');
  assert.equal(s.duplicates, 0);
  assert.equal(s.missing, 0);
  assert.equal(s.wrong_sequence, 0);
  assert.ok(s.resend_requests > 0, 'some acknowledged events were sent again on purpose');
  assert.ok(s.abandoned > 0, 'some requests were dropped by their client and sent again');
  assert.match(s.audit, /storico integro/);
  assert.deepEqual(s.problems, []);
});
