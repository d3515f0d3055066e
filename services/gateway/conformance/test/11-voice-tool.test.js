// A spoken reply that says something and then calls a tool, through the official SDK: the message's
// audio and its .done events all come before the function call's items; and the same call asked
// for twice gets two call ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { connect, closeQuietly, handshakeEvents, addUserText, respond, echoOf, WEATHER_TOOL } from '../lib/realtime.js';

// Two sentences: the scripted agent echoes the first, then calls get_weather for the second.
const SAID = 'Thank you so much.';
const ASKED = `${SAID} What is the weather in Paris?`;

async function speakingToolSession() {
  const rt = await connect();
  await handshakeEvents(rt);
  rt.send({
    type: 'session.update',
    session: {
      type: 'realtime',
      output_modalities: ['audio'],
      audio: { output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy' } },
      tools: [WEATHER_TOOL],
      tool_choice: 'auto',
    },
  });
  const updated = await rt.log.next((e) => e.type === 'session.updated' || e.type === 'error');
  assert.equal(updated.type, 'session.updated', JSON.stringify(updated));
  return rt;
}

test('voice: a reply that speaks and then calls a tool closes its message before the call begins', async (t) => {
  const rt = await speakingToolSession();
  t.after(() => closeQuietly(rt));
  await addUserText(rt, ASKED);
  const events = await respond(rt, undefined, { timeout: 30_000 });
  const done = events.at(-1).response;
  assert.equal(done.status, 'completed', JSON.stringify(done.status_details));
  assert.deepEqual(done.output.map((o) => o.type), ['message', 'function_call']);
  const [message, call] = done.output;

  const at = (match) => events.findIndex(match);
  const messageDone = at((e) => e.type === 'response.output_item.done' && e.item.id === message.id);
  const callAdded = at((e) => e.type === 'response.output_item.added' && e.item.id === call.id);
  assert.ok(messageDone >= 0 && callAdded > messageDone,
    `the message's output_item.done (${messageDone}) before the call's output_item.added (${callAdded})`);
  const ofMessage = events.map((e, i) => ({ e, i })).filter(({ e }) => e.item_id === message.id || e.item?.id === message.id);
  const late = ofMessage.filter(({ e, i }) => i > messageDone && e.type !== 'conversation.item.done');
  assert.deepEqual(late.map(({ e }) => e.type), [], 'nothing of the message after its output_item.done');
  const firstOfCall = at((e) => e.item_id === call.id || e.item?.id === call.id);
  assert.equal(firstOfCall, callAdded);

  const audio = events.filter((e) => e.type === 'response.output_audio.delta');
  assert.ok(audio.length > 0, `no audio in ${events.map((e) => e.type).join(', ')}`);
  assert.ok(audio.every((e) => e.item_id === message.id && e.output_index === 0));
  const types = events.map((e) => e.type);
  assert.ok(types.indexOf('response.output_audio.done') > types.lastIndexOf('response.output_audio.delta'));
  const transcript = events.find((e) => e.type === 'response.output_audio_transcript.done').transcript;
  assert.equal(transcript, echoOf(SAID));
  assert.equal(message.content[0].type, 'output_audio');
  assert.equal(message.content[0].transcript, transcript);

  const argDeltas = events.filter((e) => e.type === 'response.function_call_arguments.delta');
  assert.ok(argDeltas.every((e) => e.item_id === call.id && e.output_index === 1 && e.call_id === call.call_id));
  assert.deepEqual(JSON.parse(argDeltas.map((e) => e.delta).join('')), { location: 'Paris' });
  assert.deepEqual(JSON.parse(call.arguments), { location: 'Paris' });
  assert.equal(call.status, 'completed');
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
});

test('the same tool call asked for twice, in one conversation and in another session, gets a new call_id each time', async (t) => {
  const callIdOf = async (rt) => {
    await addUserText(rt, ASKED);
    const done = (await respond(rt, { output_modalities: ['text'] })).at(-1).response;
    assert.equal(done.status, 'completed', JSON.stringify(done.status_details));
    const call = done.output.find((o) => o.type === 'function_call');
    assert.ok(call, JSON.stringify(done.output));
    assert.match(call.call_id, /^call_[0-9A-Za-z]{22}$/);
    return call;
  };
  const rt = await speakingToolSession();
  t.after(() => closeQuietly(rt));
  const first = await callIdOf(rt);
  rt.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: first.call_id, output: '{"temperature_c":18}' } });
  await rt.log.next('conversation.item.done');
  const second = await callIdOf(rt);
  const other = await speakingToolSession();
  t.after(() => closeQuietly(other));
  const third = await callIdOf(other);
  assert.equal(new Set([first.call_id, second.call_id, third.call_id]).size, 3,
    `call ids: ${first.call_id}, ${second.call_id}, ${third.call_id}`);
  assert.equal(first.arguments, second.arguments);
  assert.equal(first.arguments, third.arguments);
});
