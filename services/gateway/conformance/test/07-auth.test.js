// Auth on the upgrade (Bearer, browser subprotocol, ?api-key=), refusal at the handshake, and
// ephemeral client secrets minted through the SDK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import OpenAI from 'openai';

import { connect, closeQuietly, handshakeEvents, EventLog, openai, WSS_URL, API_KEY, MODEL, textTurn } from '../lib/realtime.js';
import { INSTRUCTIONS } from '../lib/phrases.js';

/** Opens a raw ws; resolves {ws, log} on open, or {status, headers, body} when the handshake is refused. */
function dial(url, protocols, options = {}) {
  return new Promise((resolveDial, reject) => {
    const ws = new WebSocket(url, protocols, options);
    const log = new EventLog();
    ws.on('message', (data) => log.push(JSON.parse(data.toString())));
    ws.on('close', (code) => log.close({ code }));
    ws.once('open', () => resolveDial({ ws, log }));
    ws.once('unexpected-response', (req, res) => {
      const socket = res.socket;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => {
        // With an 'unexpected-response' listener, ws leaves the (keep-alive) connection to us.
        req.destroy();
        socket.destroy();
        resolveDial({ status: res.statusCode, headers: res.headers, body });
      });
    });
    ws.once('error', (err) => { if (!err.message.startsWith('Unexpected server response')) reject(err); });
  });
}

test('browser subprotocols: openai-insecure-api-key.<key> authenticates, the server selects realtime', async (t) => {
  const { ws, log, status } = await dial(`${WSS_URL}?model=${MODEL}`, ['realtime', `openai-insecure-api-key.${API_KEY}`]);
  assert.equal(status, undefined, `handshake refused with ${status}`);
  t.after(() => ws.close());
  assert.equal(ws.protocol, 'realtime');
  const first = await log.next('session.created');
  assert.equal(log.events[0], first);
  assert.equal(first.session.type, 'realtime');
});

test('?api-key= authenticates', async (t) => {
  const { ws, log, status } = await dial(`${WSS_URL}?model=${MODEL}&api-key=${encodeURIComponent(API_KEY)}`);
  assert.equal(status, undefined, `handshake refused with ${status}`);
  t.after(() => ws.close());
  assert.equal((await log.next('session.created')).type, 'session.created');
});

for (const [name, url, protocols, options] of [
  ['Bearer', `${WSS_URL}?model=${MODEL}`, undefined, { headers: { Authorization: 'Bearer sk-avb-wrong-key' } }],
  ['subprotocol', `${WSS_URL}?model=${MODEL}`, ['realtime', 'openai-insecure-api-key.sk-avb-wrong-key'], {}],
  ['?api-key=', `${WSS_URL}?model=${MODEL}&api-key=sk-avb-wrong-key`, undefined, {}],
]) {
  test(`a bad key (${name}) is refused at the handshake: HTTP 401 with a JSON body`, async () => {
    const result = await dial(url, protocols, options);
    if (result.ws) result.ws.close();
    assert.ok(!result.ws, 'the bad key opened a session');
    assert.equal(result.status, 401, `handshake answered HTTP ${result.status} ${JSON.stringify(result.headers)} body '${result.body}'`);
    assert.match(result.headers['content-type'] ?? '', /application\/json/);
    const body = JSON.parse(result.body);
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.code, 'invalid_api_key');
    assert.equal(typeof body.error.message, 'string');
  });
}

test('no key at all: HTTP 401 at the handshake', async () => {
  const result = await dial(`${WSS_URL}?model=${MODEL}`);
  if (result.ws) result.ws.close();
  assert.ok(!result.ws, 'no key opened a session');
  assert.equal(result.status, 401, `handshake answered HTTP ${result.status} body '${result.body}'`);
  assert.equal(JSON.parse(result.body).error.type, 'invalid_request_error');
});

test('the SDK with a bad key gets a socket error, never a session', async () => {
  await assert.rejects(connect({ apiKey: 'sk-avb-wrong-key' }), /401/);
});

test('client secrets: clientSecrets.create returns an ek_ secret that opens a session with its settings', async (t) => {
  const client = openai();
  const instructions = INSTRUCTIONS.clientSecret;
  const before = Math.floor(Date.now() / 1000);
  const secret = await client.realtime.clientSecrets.create({
    expires_after: { anchor: 'created_at', seconds: 300 },
    session: { type: 'realtime', instructions, output_modalities: ['text'] },
  });
  assert.match(secret.value, /^ek_/);
  assert.ok(secret.expires_at >= before + 290 && secret.expires_at <= before + 310, `expires_at ${secret.expires_at}`);
  assert.equal(secret.session.type, 'realtime');
  assert.equal(secret.session.instructions, instructions);
  assert.deepEqual(secret.session.output_modalities, ['text']);

  const rt = await connect({ apiKey: secret.value });
  t.after(() => closeQuietly(rt));
  const { created } = await handshakeEvents(rt);
  assert.equal(created.session.instructions, instructions);
  assert.deepEqual(created.session.output_modalities, ['text']);
  await textTurn(rt, 'Hello with an ephemeral key.');
});

test('client secrets: default lifetime 600 s; lifetimes outside 10..7200 s are refused; a bad key is 401', async () => {
  const client = openai();
  const now = Math.floor(Date.now() / 1000);
  const secret = await client.realtime.clientSecrets.create({});
  assert.match(secret.value, /^ek_/);
  assert.ok(Math.abs(secret.expires_at - (now + 600)) <= 10, `expires_at ${secret.expires_at}, now ${now}`);

  for (const seconds of [5, 7201]) {
    await assert.rejects(client.realtime.clientSecrets.create({ expires_after: { anchor: 'created_at', seconds } }),
      (err) => err instanceof OpenAI.BadRequestError && err.status === 400, `expires_after.seconds ${seconds} accepted`);
  }
  await assert.rejects(openai('sk-avb-wrong-key').realtime.clientSecrets.create({}),
    (err) => err instanceof OpenAI.AuthenticationError && err.status === 401);
});

test('client secrets: a made-up ek_ value is refused at the handshake with 401', async () => {
  const result = await dial(`${WSS_URL}?model=${MODEL}`, undefined, { headers: { Authorization: 'Bearer ek_not_a_real_secret' } });
  if (result.ws) result.ws.close();
  assert.ok(!result.ws, 'a made-up ek_ value opened a session');
  assert.equal(result.status, 401, `handshake answered HTTP ${result.status} body '${result.body}'`);
  assert.equal(JSON.parse(result.body).error.code, 'invalid_api_key');
});
