// Tool calling: the model calls get_weather, the client answers with function_call_output, and
// the next response speaks about the result.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { connect, closeQuietly, handshakeEvents, addUserText, respond, deltaText, toolReplyOf, WEATHER_TOOL } from '../lib/realtime.js';
import { TYPED } from '../lib/phrases.js';

test('tool call round trip: function_call item, argument deltas, function_call_output, answer', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  await handshakeEvents(rt);

  rt.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'], tools: [WEATHER_TOOL], tool_choice: 'auto' } });
  const updated = await rt.log.next((e) => e.type === 'session.updated' || e.type === 'error');
  assert.equal(updated.type, 'session.updated', JSON.stringify(updated));

  await addUserText(rt, TYPED.weather);
  const events = await respond(rt);
  const types = events.map((e) => e.type);
  const argDeltas = types.filter((x) => x === 'response.function_call_arguments.delta').length;
  assert.ok(argDeltas >= 1, `no function_call_arguments.delta in ${types.join(', ')}`);
  assert.deepEqual(types, [
    'response.created',
    'rate_limits.updated',
    'response.output_item.added',
    'conversation.item.added',
    ...Array(argDeltas).fill('response.function_call_arguments.delta'),
    'response.function_call_arguments.done',
    'response.output_item.done',
    'conversation.item.done',
    'response.done',
  ]);
  const byType = (type) => events.find((e) => e.type === type);
  const responseId = byType('response.created').response.id;

  const added = byType('response.output_item.added');
  assert.equal(added.item.type, 'function_call');
  assert.equal(added.item.name, 'get_weather');
  assert.equal(added.item.status, 'in_progress');
  assert.equal(typeof added.item.call_id, 'string');
  assert.ok(added.item.call_id.length > 0);
  const { call_id: callId, id: itemId } = added.item;

  const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta');
  for (const delta of deltas) {
    assert.equal(delta.response_id, responseId);
    assert.equal(delta.item_id, itemId);
    assert.equal(delta.output_index, 0);
    assert.equal(delta.call_id, callId);
  }
  const argsDone = byType('response.function_call_arguments.done');
  assert.equal(argsDone.item_id, itemId);
  assert.equal(argsDone.call_id, callId);
  assert.equal(argsDone.response_id, responseId);
  assert.equal(argsDone.arguments, deltas.map((d) => d.delta).join(''));
  const args = JSON.parse(argsDone.arguments);
  assert.deepEqual(args, { location: 'Paris' });

  const itemDone = byType('response.output_item.done').item;
  assert.equal(itemDone.id, itemId);
  assert.equal(itemDone.type, 'function_call');
  assert.equal(itemDone.status, 'completed');
  assert.equal(itemDone.arguments, argsDone.arguments);
  assert.equal(itemDone.call_id, callId);

  const done = byType('response.done').response;
  assert.equal(done.status, 'completed');
  assert.equal(done.output.length, 1);
  assert.equal(done.output[0].type, 'function_call');
  assert.equal(done.output[0].call_id, callId);
  assert.equal(done.output[0].arguments, argsDone.arguments);

  // The client runs the tool and hands the result back.
  const result = JSON.stringify({ location: 'Paris', temperature_c: 18, conditions: 'sunny' });
  rt.send({ type: 'conversation.item.create', event_id: 'evt_tool_out', item: { type: 'function_call_output', call_id: callId, output: result } });
  const outputEvents = await rt.log.until('conversation.item.done');
  assert.deepEqual(outputEvents.map((e) => e.type), ['conversation.item.added', 'conversation.item.done'],
    JSON.stringify(outputEvents));
  assert.equal(outputEvents[0].item.type, 'function_call_output');
  assert.equal(outputEvents[0].item.call_id, callId);
  assert.equal(outputEvents[0].item.output, result);
  assert.equal(outputEvents[0].previous_item_id, itemId);

  const answer = await respond(rt);
  const answerDone = answer.at(-1).response;
  assert.equal(answerDone.status, 'completed', JSON.stringify(answerDone));
  assert.equal(answerDone.output.length, 1);
  assert.equal(answerDone.output[0].type, 'message');
  const text = deltaText(answer);
  assert.ok(text.includes('sunny') && text.includes('18'), `the answer does not mention the tool result: ${text}`);
  assert.equal(text, toolReplyOf(result));
  assert.equal(answer.find((e) => e.type === 'response.output_text.done').text, text);
});

test('tool_choice none: no tool call even when the message names the tool', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  await handshakeEvents(rt);
  rt.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'], tools: [WEATHER_TOOL], tool_choice: 'none' } });
  await rt.log.next('session.updated');
  await addUserText(rt, TYPED.weather);
  const events = await respond(rt);
  assert.equal(events.at(-1).response.status, 'completed');
  assert.equal(events.filter((e) => e.type.startsWith('response.function_call_arguments')).length, 0);
  assert.equal(events.at(-1).response.output[0].type, 'message');
});
