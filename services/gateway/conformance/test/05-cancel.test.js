// response.cancel ends the active response with status cancelled; nothing of it arrives later.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { connect, closeQuietly, handshakeEvents, answerInText, addUserText, textTurn } from '../lib/realtime.js';
import { TYPED } from '../lib/phrases.js';

const LONG = TYPED.long;

test('cancel: response.create then response.cancel gives response.done cancelled', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  await handshakeEvents(rt);
  await answerInText(rt);
  await addUserText(rt, LONG);

  rt.send({ type: 'response.create', event_id: 'evt_create' });
  rt.send({ type: 'response.cancel', event_id: 'evt_cancel' });
  const events = await rt.log.until('response.done');
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  assert.equal(events[0].type, 'response.created');
  const done = events.at(-1).response;
  assert.equal(done.id, events[0].response.id);
  assert.equal(done.status, 'cancelled', JSON.stringify(done));
  assert.equal(done.status_details?.type, 'cancelled');
  assert.equal(done.status_details?.reason, 'client_cancelled');
  for (const item of done.output) assert.equal(item.status, 'incomplete', JSON.stringify(item));
  // Nothing of the cancelled response trails it.
  const late = await rt.log.drain(800);
  assert.deepEqual(late.map((e) => e.type), []);

  // The conversation goes on.
  await textTurn(rt, 'After the cancel.');
});

test('cancel by response_id after the first delta: the partial text is kept, status cancelled', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  await handshakeEvents(rt);
  await answerInText(rt);
  await addUserText(rt, LONG);

  rt.send({ type: 'response.create' });
  const created = await rt.log.next('response.created');
  await rt.log.next('response.output_text.delta');
  rt.send({ type: 'response.cancel', event_id: 'evt_cancel_id', response_id: created.response.id });
  const events = await rt.log.until('response.done');
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  const done = events.at(-1).response;
  assert.equal(done.status, 'cancelled', JSON.stringify(done));
  assert.equal(done.output.length, 1);
  assert.equal(done.output[0].status, 'incomplete');
  const partial = rt.log.events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
  const textDone = events.find((e) => e.type === 'response.output_text.done');
  assert.ok(textDone, 'the open text part was not closed');
  assert.equal(textDone.text, partial);
  assert.deepEqual((await rt.log.drain(800)).map((e) => e.type), []);

  // Cancelling it again: it is no longer active.
  rt.send({ type: 'response.cancel', event_id: 'evt_cancel_again', response_id: created.response.id });
  const error = await rt.log.next('error');
  assert.equal(error.error.code, 'response_cancel_not_active');
  assert.equal(error.error.event_id, 'evt_cancel_again');
});
