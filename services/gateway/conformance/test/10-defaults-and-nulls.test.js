// A new session's defaults are OpenAI's GA defaults, and a client event's optional field sent as
// null means "not set": clients that send `instructions: null` on every reply, or never set
// output_modalities, are answered as OpenAI answers them.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { connect, closeQuietly, handshakeEvents, addUserText, respond, echoOf } from '../lib/realtime.js';

test('session.created carries the GA defaults: audio answers, 24 kHz PCM both ways, server_vad', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  const { session } = (await handshakeEvents(rt)).created;
  assert.deepEqual(session.output_modalities, ['audio']);
  assert.deepEqual(session.audio.input.format, { type: 'audio/pcm', rate: 24000 });
  assert.equal(session.audio.input.transcription, null);
  assert.equal(session.audio.input.noise_reduction, null);
  assert.deepEqual(session.audio.input.turn_detection, {
    type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500,
    idle_timeout_ms: null, create_response: true, interrupt_response: true,
  });
  assert.deepEqual(session.audio.output.format, { type: 'audio/pcm', rate: 24000 });
  assert.equal(session.audio.output.voice, 'alloy');
  assert.equal(session.audio.output.speed, 1);
  assert.equal(session.tool_choice, 'auto');
  assert.deepEqual(session.tools, []);
  assert.equal(session.max_output_tokens, 'inf');
  assert.equal(session.tracing, null);
  assert.equal(session.truncation, 'auto');
  assert.equal(typeof session.instructions, 'string');
});

test('a client that leaves the session alone and sends nulls on response.create gets a spoken answer', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  await handshakeEvents(rt);
  const said = 'Hello with nulls.';
  await addUserText(rt, said, { event_id: null, item: { id: null, status: null } });
  const events = await respond(rt, { instructions: null, tool_choice: null, output_modalities: null, tools: null, metadata: null }, { timeout: 30_000 });
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  const done = events.at(-1).response;
  assert.equal(done.status, 'completed', JSON.stringify(done));
  assert.deepEqual(done.output_modalities, ['audio']);
  assert.ok(events.some((e) => e.type === 'response.output_audio.delta'), `no audio in ${events.map((e) => e.type).join(', ')}`);
  assert.equal(events.find((e) => e.type === 'response.output_audio_transcript.done').transcript, echoOf(said));
});

test('session.update with every optional field null changes nothing; the nulls that switch features off still do', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  const { session } = (await handshakeEvents(rt)).created;
  rt.send({
    type: 'session.update',
    event_id: null,
    session: {
      type: null, model: null, output_modalities: null, instructions: null, include: null, max_output_tokens: null,
      tool_choice: null, tools: null, truncation: null,
      audio: { input: { format: null }, output: { format: null, voice: null, speed: null } },
    },
  });
  const updated = await rt.log.next((e) => e.type === 'session.updated' || e.type === 'error');
  assert.equal(updated.type, 'session.updated', JSON.stringify(updated));
  assert.deepEqual(updated.session, session);

  rt.send({ type: 'session.update', session: { audio: { input: { turn_detection: null } } } });
  const manual = await rt.log.next((e) => e.type === 'session.updated' || e.type === 'error');
  assert.equal(manual.type, 'session.updated', JSON.stringify(manual));
  assert.equal(manual.session.audio.input.turn_detection, null);

  rt.send({ type: 'conversation.item.create', event_id: 'evt_null_role', item: { type: 'message', role: null, content: [] } });
  const error = await rt.log.next('error');
  assert.equal(error.error.code, 'missing_required_parameter', JSON.stringify(error.error));
  assert.equal(error.error.param, 'item.role');
});
