// Independent test vectors for cortexbuild_sdk.webhooks, computed with Node's crypto exactly as the seed's
// receiver snippet does: crypto.createHmac('sha256', secret).update(payload).digest('hex').
// Regenerate with: node tests/webhooks/make_vectors.mjs > tests/webhooks/vectors.json
import crypto from 'crypto';

const seedSignature = (payload, secret) =>
  crypto.createHmac('sha256', secret).update(payload).digest('hex');

// Standard Webhooks: base64 HMAC-SHA256 over `${id}.${timestamp}.${body}`, keyed with the secret's UTF-8 bytes.
const standardSignature = (id, seconds, payload, secret) =>
  'v1,' + crypto.createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${id}.${seconds}.${payload}`).digest('base64');

const TS = 1709876543210;
const envelope = (event, data, ts = TS) =>
  JSON.stringify({ event, timestamp: ts, data, company_id: 'company-1', user_id: 'user-1' });

// 64 KiB body: pad a note field until the serialised body is exactly 65536 bytes.
const big = (() => {
  const base = envelope('document.uploaded', { document: { id: 7, note: '' } });
  const note = 'x'.repeat(65536 - Buffer.byteLength(base, 'utf8'));
  const body = envelope('document.uploaded', { document: { id: 7, note } });
  if (Buffer.byteLength(body, 'utf8') !== 65536) throw new Error('64 KiB body has the wrong size');
  return body;
})();

const cases = [
  ['seed example', envelope('project.created', {
    project: { id: 123, name: 'New Office Building', status: 'active', budget: 5000000, client_id: 45 } }),
    'whsec-not-a-prefix-just-hex-3f9a1c'],
  ['hex secret like the platform generates', envelope('invoice.paid', { invoice: { id: 9, total: 1250.5 } }),
    crypto.createHash('sha256').update('fixed seed for vectors').digest('hex')],
  ['empty data', envelope('webhook.test', {}), 'secret'],
  ['unicode body', envelope('project.updated', { project: { id: 1, name: 'Clădire de birouri — 東京 🏗️' } }),
    'plain-secret'],
  ['unicode secret', envelope('task.completed', { task: { id: 2, title: 'Verificare' } }), 'sécrët-🔑-秘密'],
  ['escaped characters', envelope('rfi.created', { rfi: { id: 3, q: 'He said "ok"\n\ttab \\ slash \u0001' } }),
    'k'],
  ['nested timestamp field', envelope('time_entry.created', { time_entry: { id: 4, timestamp: 1 } }), 'k2'],
  ['unknown event', envelope('equipment.rented', { equipment: { id: 5 } }), 'k3'],
  ['64 KiB body', big, 'a-secret-for-the-big-body'],
];

const vectors = cases.map(([name, payload, secret], i) => {
  const id = `msg_vector_${i}`;
  const seconds = Math.floor(TS / 1000);
  return {
    name,
    secret,
    payload,
    timestamp_ms: TS,
    webhook_id: id,
    signature: seedSignature(payload, secret),
    standard_signature: standardSignature(id, seconds, payload, secret),
  };
});

process.stdout.write(JSON.stringify({ generator: 'node ' + process.version, vectors }, null, 1) + '\n');
