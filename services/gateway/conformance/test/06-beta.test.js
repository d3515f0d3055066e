// The retired beta shape, served only when the client opts in: the SDK's beta client
// (OpenAI-Beta: realtime=v1), or the openai-beta.realtime-v1 subprotocol.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { OpenAIRealtimeWS as BetaRealtimeWS } from 'openai/beta/realtime/ws';

import { connect, closeQuietly, EventLog, WSS_URL, API_KEY, MODEL, deltaText, echoOf } from '../lib/realtime.js';
import { INSTRUCTIONS, TYPED } from '../lib/phrases.js';

const GA_ONLY_TYPES = ['conversation.item.added', 'conversation.item.done', 'response.output_text.delta',
  'response.output_text.done', 'response.output_audio.delta', 'response.output_audio_transcript.delta'];

async function betaTurn(send, log, said) {
  send({ type: 'conversation.item.create', event_id: 'evt_beta_user', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: said }] } });
  const itemEvents = await log.until('conversation.item.created');
  assert.deepEqual(itemEvents.map((e) => e.type), ['conversation.item.created']);
  send({ type: 'response.create', response: { modalities: ['text'] } });
  const events = await log.until('response.done', { timeout: 20_000 });
  const types = events.map((e) => e.type);
  const deltas = types.filter((x) => x === 'response.text.delta').length;
  assert.ok(deltas >= 1, types.join(', '));
  assert.deepEqual(types, [
    'response.created',
    'rate_limits.updated',
    'response.output_item.added',
    'conversation.item.created',
    'response.content_part.added',
    ...Array(deltas).fill('response.text.delta'),
    'response.text.done',
    'response.content_part.done',
    'response.output_item.done',
    'response.done',
  ]);
  const text = deltaText(events, 'response.text.delta');
  assert.equal(text, echoOf(said));
  assert.equal(events.find((e) => e.type === 'response.text.done').text, text);
  assert.equal(events.find((e) => e.type === 'response.content_part.added').part.type, 'text');
  const done = events.at(-1).response;
  assert.equal(done.status, 'completed');
  assert.deepEqual(done.modalities, ['text']);
  assert.equal(done.output_modalities, undefined);
  assert.equal(done.output[0].content[0].type, 'text');
  assert.equal(done.output[0].content[0].text, text);
  return events;
}

function assertBetaSession(session) {
  assert.equal(session.object, 'realtime.session');
  assert.ok(Array.isArray(session.modalities), JSON.stringify(session));
  assert.equal(session.output_modalities, undefined, 'a GA field in a beta session');
  assert.equal(session.audio, undefined, 'a GA field in a beta session');
  assert.equal(session.type, undefined, 'a GA field in a beta session');
  assert.equal(typeof session.input_audio_format, 'string');
  assert.equal(typeof session.output_audio_format, 'string');
  assert.ok('turn_detection' in session);
  assert.ok('max_response_output_tokens' in session);
}

test('beta opt-in with the SDK beta client (OpenAI-Beta: realtime=v1): beta names and shapes', async (t) => {
  const rt = await connect({ Client: BetaRealtimeWS });
  t.after(() => closeQuietly(rt));
  const created = await rt.log.next('session.created');
  assert.equal(rt.log.events[0].type, 'session.created');
  assertBetaSession(created.session);
  await rt.log.next('conversation.created');

  rt.send({ type: 'session.update', session: { modalities: ['text'], instructions: INSTRUCTIONS.beta, input_audio_format: 'g711_ulaw' } });
  const updated = await rt.log.next((e) => e.type === 'session.updated' || e.type === 'error');
  assert.equal(updated.type, 'session.updated', JSON.stringify(updated));
  assertBetaSession(updated.session);
  assert.deepEqual(updated.session.modalities, ['text']);
  assert.equal(updated.session.instructions, INSTRUCTIONS.beta);
  assert.equal(updated.session.input_audio_format, 'g711_ulaw');

  await betaTurn((e) => rt.send(e), rt.log, TYPED.betaClient);
  const all = rt.log.types();
  for (const type of GA_ONLY_TYPES) assert.ok(!all.includes(type), `GA event ${type} on a beta session`);
});

test('beta opt-in with the openai-beta.realtime-v1 subprotocol (raw ws)', async (t) => {
  const ws = new WebSocket(`${WSS_URL}?model=${MODEL}`, ['realtime', `openai-insecure-api-key.${API_KEY}`, 'openai-beta.realtime-v1']);
  t.after(() => ws.close());
  const log = new EventLog();
  ws.on('message', (data) => log.push(JSON.parse(data.toString())));
  ws.on('close', (code) => log.close({ code }));
  await new Promise((ok, fail) => { ws.once('open', ok); ws.once('error', fail); });
  assert.equal(ws.protocol, 'realtime');
  const created = await log.next('session.created');
  assert.equal(log.events[0], created);
  assertBetaSession(created.session);
  await log.next('conversation.created');
  await betaTurn((e) => ws.send(JSON.stringify(e)), log, TYPED.betaSubprotocol);
});

test('without the opt-in the same client speaks GA', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  const created = await rt.log.next('session.created');
  assert.equal(created.session.type, 'realtime');
  assert.ok(Array.isArray(created.session.output_modalities));
  assert.equal(created.session.modalities, undefined);
});
