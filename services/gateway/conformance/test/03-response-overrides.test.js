// Per-response parameters of response.create: instructions, metadata, conversation 'none', input[].
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { connect, closeQuietly, handshakeEvents, answerInText, addUserText, respond, deltaText, echoOf } from '../lib/realtime.js';
import { INSTRUCTIONS, TYPED } from '../lib/phrases.js';

test('response.create overrides: metadata echoed in response.created and response.done', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  await handshakeEvents(rt);
  await addUserText(rt, TYPED.something);

  const metadata = { topic: 'conformance', run: '42' };
  const events = await respond(rt, { instructions: INSTRUCTIONS.oneLine, metadata, output_modalities: ['text'] });
  const created = events.find((e) => e.type === 'response.created');
  assert.ok(created, `no response.created in ${events.map((e) => e.type).join(', ')}`);
  assert.deepEqual(created.response.metadata, metadata);
  const done = events.at(-1).response;
  assert.equal(done.status, 'completed');
  assert.deepEqual(done.metadata, metadata);
  assert.deepEqual(done.output_modalities, ['text']);
  assert.equal(deltaText(events), echoOf(TYPED.something));
  // The per-response instructions did not change the session.
  rt.send({ type: 'session.update', session: { type: 'realtime' } });
  const updated = await rt.log.next('session.updated');
  assert.notEqual(updated.session.instructions, INSTRUCTIONS.oneLine);
});

test("response.create conversation 'none': out of band, nothing added to the conversation", async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  await handshakeEvents(rt);
  await answerInText(rt);
  await addUserText(rt, TYPED.classify);

  const events = await respond(rt, { conversation: 'none', metadata: { purpose: 'classifier' }, output_modalities: ['text'] });
  const types = events.map((e) => e.type);
  assert.ok(!types.includes('conversation.item.added'), `out-of-band response added items: ${types.join(', ')}`);
  assert.ok(!types.includes('conversation.item.done'), `out-of-band response added items: ${types.join(', ')}`);
  const created = events.find((e) => e.type === 'response.created').response;
  assert.equal(created.conversation_id ?? null, null);
  assert.deepEqual(created.metadata, { purpose: 'classifier' });
  const done = events.at(-1).response;
  assert.equal(done.status, 'completed');
  assert.equal(done.conversation_id ?? null, null);
  assert.deepEqual(done.metadata, { purpose: 'classifier' });
  assert.equal(deltaText(events), echoOf(TYPED.classify));
  assert.ok(types.includes('response.output_item.added') && types.includes('response.output_item.done'));

  // An out-of-band response does not block the conversation: an in-band one runs right after,
  // and its item follows the user's message (the out-of-band item is not in the conversation).
  const userItem = rt.log.events.find((e) => e.type === 'conversation.item.added').item.id;
  const inBand = await respond(rt);
  assert.equal(inBand.at(-1).response.status, 'completed');
  const added = inBand.find((e) => e.type === 'conversation.item.added');
  assert.ok(added, 'the in-band response added no item');
  assert.equal(added.previous_item_id, userItem);
});

test("response.create conversation 'none' with input[]: the given items are the context", async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  await handshakeEvents(rt);
  await answerInText(rt);
  await addUserText(rt, TYPED.inConversation);
  const events = await respond(rt, {
    conversation: 'none',
    input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: TYPED.onlyThis }] }],
  });
  assert.equal(events.at(-1).response.status, 'completed', JSON.stringify(events.at(-1)));
  assert.equal(deltaText(events), echoOf(TYPED.onlyThis));
  assert.ok(!events.some((e) => e.type === 'conversation.item.added'));
});
