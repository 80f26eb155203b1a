// Notification delivery under faults, at test size: 1,000 recipients (one bulk send each batch of
// 1,000, email for all, a webhook for ~30 %, ~1 % of the addresses refused by the SMTP server),
// two `accesso-unico worker` processes killed 3 times with SIGKILL and restarted, the SMTP
// server and the webhook receiver each stopped once and started again on the same port
// (SQLite, or AU_TEST_DATABASE_URL). The full size (10,000 recipients, 10 kills, 4 + 4
// outages) runs in `make bench` (bench/sections/notifications.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNotificationReliability, summaryText } from './reliability.mjs';

test('every notification is delivered or finally failed with a reason across SIGKILLs and outages; no webhook twice under two ids',
  { timeout: 300_000 }, async () => {
    const s = await runNotificationReliability({ recipients: 1000, kills: 3, smtpOutages: 1, receiverOutages: 1,
      databaseUrl: process.env.AU_TEST_DATABASE_URL || '' });
    console.log(summaryText(s));
    assert.equal(s.kills, 3, 'a worker was killed 3 times');
    assert.equal(s.smtp_outages, 1);
    assert.equal(s.receiver_outages, 1);
    assert.equal(s.api_5xx, 0);
    assert.deepEqual(s.messages, { ready: 1000 }, 'every message fanned out');
    assert.equal(s.by_channel.email.delivered + (s.by_channel.email['permanent-failure'] || 0), 1000);
    assert.equal(s.by_channel.email['permanent-failure'] || 0, s.refused_addresses, 'refused addresses fail for good, with a reason');
    assert.equal(s.by_channel.webhook.delivered, s.webhook_contacts);
    assert.equal(s.emails_missing, 0, 'every delivered email reached the SMTP server');
    assert.equal(s.webhook_ids_distinct, s.webhooks_delivered, 'distinct Webhook-Ids received = webhooks delivered');
    assert.equal(s.messages_with_two_ids, 0);
    assert.equal(s.bad_signatures, 0);
    assert.equal(s.missing_reason, 0);
    assert.ok(s.attempts['temporary-failure'] > 0, 'the outages caused retries');
    assert.ok(s.email_duplicates <= s.duplicate_bound, `${s.email_duplicates} duplicate emails (bound ${s.duplicate_bound})`);
    assert.equal(s.lost_leases, 0, 'no live worker sent a delivery after losing its lease');
    assert.deepEqual(s.problems, []);
  });
