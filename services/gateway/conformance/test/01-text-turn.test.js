// A text turn through the official SDK's OpenAIRealtimeWS, event by event, in the GA shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { connect, closeQuietly, handshakeEvents, answerInText, addUserText, respond, deltaText, echoOf, WEATHER_TOOL, MODEL } from '../lib/realtime.js';
import { INSTRUCTIONS, TYPED } from '../lib/phrases.js';

test('text turn: session.created first, session.update merges, full response event sequence', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));

  const { created, conversation } = await handshakeEvents(rt);
  const session = created.session;
  assert.equal(session.type, 'realtime');
  assert.equal(session.object, 'realtime.session');
  assert.match(session.id, /^sess_/);
  assert.equal(session.model, MODEL);
  assert.ok(Array.isArray(session.output_modalities));
  assert.equal(typeof session.expires_at, 'number');
  assert.equal(conversation.conversation.object, 'realtime.conversation');
  assert.match(conversation.conversation.id, /^conv_/);

  // session.update: a partial session; the answer is the whole session with the change merged in.
  rt.send({
    type: 'session.update',
    event_id: 'evt_update_1',
    session: { type: 'realtime', instructions: INSTRUCTIONS.brief, output_modalities: ['text'], tools: [WEATHER_TOOL] },
  });
  const updated = await rt.log.next((e) => e.type === 'session.updated' || e.type === 'error');
  assert.equal(updated.type, 'session.updated', JSON.stringify(updated));
  assert.equal(updated.session.id, session.id);
  assert.equal(updated.session.model, session.model);
  assert.equal(updated.session.instructions, INSTRUCTIONS.brief);
  assert.deepEqual(updated.session.output_modalities, ['text']);
  assert.equal(updated.session.tools.length, 1);
  assert.equal(updated.session.tools[0].type, 'function');
  assert.equal(updated.session.tools[0].name, 'get_weather');
  assert.deepEqual(updated.session.tools[0].parameters, WEATHER_TOOL.parameters);
  // Untouched settings survive the merge.
  assert.deepEqual(updated.session.audio, session.audio);
  assert.deepEqual(updated.session.tool_choice, session.tool_choice);
  assert.equal(updated.session.expires_at, session.expires_at);

  // A second, smaller update keeps the first one's fields.
  rt.send({ type: 'session.update', session: { type: 'realtime', instructions: INSTRUCTIONS.veryBrief } });
  const updated2 = await rt.log.next((e) => e.type === 'session.updated' || e.type === 'error');
  assert.equal(updated2.type, 'session.updated', JSON.stringify(updated2));
  assert.equal(updated2.session.instructions, INSTRUCTIONS.veryBrief);
  assert.deepEqual(updated2.session.output_modalities, ['text']);
  assert.equal(updated2.session.tools.length, 1);

  // The user's message: conversation.item.added then .done, with the client-chosen id kept.
  const said = TYPED.greeting;
  const [added, itemDone] = await addUserText(rt, said, { item: { id: 'item_client_0001' } });
  assert.equal(added.item.id, 'item_client_0001');
  assert.equal(added.item.type, 'message');
  assert.equal(added.item.role, 'user');
  assert.equal(added.item.object, 'realtime.item');
  assert.deepEqual(added.item.content, [{ type: 'input_text', text: said }]);
  assert.equal(added.previous_item_id ?? null, null);
  assert.equal(itemDone.item.id, 'item_client_0001');

  const events = await respond(rt);
  const types = events.map((e) => e.type);
  const deltas = types.filter((x) => x === 'response.output_text.delta').length;
  assert.ok(deltas >= 1, `no output_text.delta in ${types.join(', ')}`);
  assert.deepEqual(types, [
    'response.created',
    'rate_limits.updated',
    'response.output_item.added',
    'conversation.item.added',
    'response.content_part.added',
    ...Array(deltas).fill('response.output_text.delta'),
    'response.output_text.done',
    'response.content_part.done',
    'response.output_item.done',
    'conversation.item.done',
    'response.done',
  ]);
  const byType = (type) => events.find((e) => e.type === type);

  const responseCreated = byType('response.created').response;
  assert.match(responseCreated.id, /^resp_/);
  assert.equal(responseCreated.object, 'realtime.response');
  assert.equal(responseCreated.status, 'in_progress');
  assert.equal(responseCreated.conversation_id, conversation.conversation.id);
  assert.deepEqual(responseCreated.output, []);
  assert.deepEqual(responseCreated.output_modalities, ['text']);

  const limits = byType('rate_limits.updated').rate_limits;
  assert.ok(Array.isArray(limits) && limits.length >= 1);
  for (const limit of limits) {
    assert.ok(['requests', 'tokens'].includes(limit.name), JSON.stringify(limit));
    assert.equal(typeof limit.limit, 'number');
    assert.equal(typeof limit.remaining, 'number');
    assert.equal(typeof limit.reset_seconds, 'number');
  }

  const itemAdded = byType('response.output_item.added');
  assert.equal(itemAdded.response_id, responseCreated.id);
  assert.equal(itemAdded.output_index, 0);
  assert.equal(itemAdded.item.type, 'message');
  assert.equal(itemAdded.item.role, 'assistant');
  assert.equal(itemAdded.item.status, 'in_progress');
  const itemId = itemAdded.item.id;
  assert.equal(byType('conversation.item.added').item.id, itemId);
  assert.equal(byType('conversation.item.added').previous_item_id, 'item_client_0001');

  const partAdded = byType('response.content_part.added');
  assert.equal(partAdded.response_id, responseCreated.id);
  assert.equal(partAdded.item_id, itemId);
  assert.equal(partAdded.output_index, 0);
  assert.equal(partAdded.content_index, 0);
  assert.equal(partAdded.part.type, 'text');

  for (const delta of events.filter((e) => e.type === 'response.output_text.delta')) {
    assert.equal(delta.response_id, responseCreated.id);
    assert.equal(delta.item_id, itemId);
    assert.equal(delta.output_index, 0);
    assert.equal(delta.content_index, 0);
    assert.equal(typeof delta.delta, 'string');
  }
  const text = deltaText(events);
  assert.equal(text, echoOf(said));

  const textDone = byType('response.output_text.done');
  assert.equal(textDone.text, text);
  assert.equal(textDone.item_id, itemId);
  assert.equal(textDone.content_index, 0);
  const partDone = byType('response.content_part.done');
  assert.equal(partDone.part.text, text);
  assert.equal(partDone.item_id, itemId);

  const outputDone = byType('response.output_item.done');
  assert.equal(outputDone.item.id, itemId);
  assert.equal(outputDone.item.status, 'completed');
  assert.deepEqual(outputDone.item.content, [{ type: 'output_text', text }]);
  assert.equal(byType('conversation.item.done').item.id, itemId);

  const done = byType('response.done').response;
  assert.equal(done.id, responseCreated.id);
  assert.equal(done.status, 'completed');
  assert.equal(done.output.length, 1);
  assert.equal(done.output[0].id, itemId);
  assert.deepEqual(done.output[0].content, [{ type: 'output_text', text }]);
  assert.equal(typeof done.usage, 'object');
  assert.ok(done.usage.output_tokens > 0, JSON.stringify(done.usage));
  assert.ok(done.usage.input_tokens > 0, JSON.stringify(done.usage));
  assert.equal(done.usage.total_tokens, done.usage.input_tokens + done.usage.output_tokens);

  // Nothing else trails the response, and no SDK-level errors happened.
  assert.deepEqual((await rt.log.drain(300)).map((e) => e.type), []);
  assert.deepEqual(rt.sdkErrors, []);
});

test('text turn: the conversation carries over to the next turn', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  await handshakeEvents(rt);
  await answerInText(rt);
  for (const said of [TYPED.first, TYPED.second]) {
    await addUserText(rt, said);
    const events = await respond(rt);
    assert.equal(events.at(-1).response.status, 'completed');
    assert.equal(deltaText(events), echoOf(said));
  }
});
