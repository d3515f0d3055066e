// Client mistakes are answered with an `error` event that names the client event; the session
// stays open and still holds a conversation afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { connect, closeQuietly, handshakeEvents, answerInText, addUserText, respond, deltaText, echoOf, textTurn, assertErrorEvent } from '../lib/realtime.js';
import { INSTRUCTIONS, TYPED } from '../lib/phrases.js';

const INVALID = 'invalid_request_error';

async function errorFor(rt, send) {
  send();
  return rt.log.next((e) => e.type === 'error');
}

test('errors keep the session: each mistake gets an error event echoing its event_id', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  await handshakeEvents(rt);
  await answerInText(rt);

  await t.test('invalid JSON', async () => {
    const error = await errorFor(rt, () => rt.socket.send('{"type": "session.update", "event_id": "evt_bad_json", "session": {'));
    assertErrorEvent(error, { type: INVALID });
    // Nothing can be read from an unparseable frame, so there is nothing to echo (OpenAI sends null).
    assert.ok(error.error.event_id == null || error.error.event_id === 'evt_bad_json', JSON.stringify(error.error));
  });

  await t.test('not a JSON object', async () => {
    const error = await errorFor(rt, () => rt.socket.send('[1, 2, 3]'));
    assertErrorEvent(error, { type: INVALID });
  });

  await t.test('unknown event type', async () => {
    const error = await errorFor(rt, () => rt.send({ type: 'session.frobnicate', event_id: 'evt_unknown_type' }));
    assertErrorEvent(error, { type: INVALID, eventId: 'evt_unknown_type' });
    assert.ok(['invalid_event', 'invalid_value'].includes(error.error.code), JSON.stringify(error.error));
    assert.match(error.error.message, /session\.frobnicate/);
  });

  await t.test('missing type', async () => {
    const error = await errorFor(rt, () => rt.send({ event_id: 'evt_no_type' }));
    assertErrorEvent(error, { type: INVALID, eventId: 'evt_no_type', code: 'missing_required_parameter', param: 'type' });
  });

  await t.test('missing required parameter', async () => {
    const error = await errorFor(rt, () => rt.send({ type: 'conversation.item.create', event_id: 'evt_missing_item' }));
    assertErrorEvent(error, { type: INVALID, eventId: 'evt_missing_item', code: 'missing_required_parameter', param: 'item' });
  });

  await t.test('unknown parameter in session.update', async () => {
    const error = await errorFor(rt, () => rt.send({ type: 'session.update', event_id: 'evt_unknown_param', session: { type: 'realtime', bogus_setting: 1 } }));
    assertErrorEvent(error, { type: INVALID, eventId: 'evt_unknown_param', code: 'unknown_parameter', param: 'session.bogus_setting' });
  });

  await t.test('unknown parameter in response.create', async () => {
    const error = await errorFor(rt, () => rt.send({ type: 'response.create', event_id: 'evt_unknown_resp_param', response: { colour: 'blue' } }));
    assertErrorEvent(error, { type: INVALID, eventId: 'evt_unknown_resp_param', code: 'unknown_parameter', param: 'response.colour' });
    // A refused response.create starts nothing.
    assert.deepEqual((await rt.log.drain(300)).map((e) => e.type), []);
  });

  await t.test('invalid value names the param', async () => {
    const error = await errorFor(rt, () => rt.send({ type: 'session.update', event_id: 'evt_bad_modalities', session: { type: 'realtime', output_modalities: ['smell'] } }));
    assertErrorEvent(error, { type: INVALID, eventId: 'evt_bad_modalities' });
    assert.match(error.error.param ?? '', /^session\.output_modalities/);
  });

  await t.test('a refused session.update changes nothing', async () => {
    rt.send({ type: 'session.update', event_id: 'evt_partly_bad', session: { type: 'realtime', instructions: INSTRUCTIONS.notApplied, bogus_setting: true } });
    assertErrorEvent(await rt.log.next((e) => e.type === 'error'), { eventId: 'evt_partly_bad', code: 'unknown_parameter' });
    rt.send({ type: 'session.update', session: { type: 'realtime' } });
    const updated = await rt.log.next('session.updated');
    assert.notEqual(updated.session.instructions, INSTRUCTIONS.notApplied);
  });

  await t.test('response.cancel with nothing active', async () => {
    const error = await errorFor(rt, () => rt.send({ type: 'response.cancel', event_id: 'evt_cancel_nothing' }));
    assertErrorEvent(error, { type: INVALID, eventId: 'evt_cancel_nothing', code: 'response_cancel_not_active' });
  });

  await t.test('the session still holds a text turn', async () => {
    await textTurn(rt, 'Still there after the errors?');
  });

  await t.test('two response.create back to back', async () => {
    await addUserText(rt, TYPED.oneAnswer);
    rt.send({ type: 'response.create', event_id: 'evt_resp_first' });
    rt.send({ type: 'response.create', event_id: 'evt_resp_second' });
    const events = await rt.log.until('response.done', { timeout: 20_000 });
    const errors = events.filter((e) => e.type === 'error');
    assert.equal(errors.length, 1, `expected exactly one error, got ${JSON.stringify(errors)}`);
    assertErrorEvent(errors[0], { type: INVALID, eventId: 'evt_resp_second', code: 'conversation_already_has_active_response' });
    assert.equal(events.filter((e) => e.type === 'response.created').length, 1);
    const done = events.at(-1).response;
    assert.equal(done.status, 'completed');
    assert.equal(deltaText(events), echoOf(TYPED.oneAnswer));
    // No second response shows up later.
    assert.ok(!(await rt.log.drain(500)).some((e) => e.type === 'response.created'));
  });

  await t.test('and still holds a text turn after that', async () => {
    await textTurn(rt, 'And after the double create?');
  });
  assert.equal(rt.socket.readyState, 1, 'the socket closed');
});

test('binary frames are refused with an error event, the session stays open', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  await handshakeEvents(rt);
  await answerInText(rt);
  rt.socket.send(Buffer.from([1, 2, 3]), { binary: true });
  assertErrorEvent(await rt.log.next((e) => e.type === 'error'), { type: INVALID });
  await textTurn(rt, 'Text after binary.');
});
