// The sessions REST API: list the caller's live sessions, end one.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { connect, closeQuietly, handshakeEvents, openai } from '../lib/realtime.js';

test('GET /v1/realtime/sessions lists a live session; DELETE ends it (session_cancelled, socket closed)', async (t) => {
  const client = openai();
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  const { created } = await handshakeEvents(rt);
  const id = created.session.id;

  const list = await client.get('/realtime/sessions');
  assert.equal(list.object, 'list');
  assert.ok(Array.isArray(list.data));
  const mine = list.data.find((s) => s.id === id);
  assert.ok(mine, `session ${id} not listed: ${JSON.stringify(list.data.map((s) => s.id))}`);
  assert.equal(mine.object, 'realtime.session');
  assert.equal(typeof mine.created_at, 'number');
  assert.equal(typeof mine.expires_at, 'number');

  const one = await client.get(`/realtime/sessions/${id}`);
  assert.equal(one.id, id);

  const closed = new Promise((resolveClose) => rt.socket.once('close', (code) => resolveClose(code)));
  const cancelled = await client.delete(`/realtime/sessions/${id}`);
  assert.equal(cancelled.id, id);
  const error = await rt.log.next('error');
  assert.equal(error.error.code, 'session_cancelled', JSON.stringify(error));
  const code = await Promise.race([closed, new Promise((r) => setTimeout(() => r('still open after 5 s'), 5000))]);
  assert.equal(typeof code, 'number', `socket: ${code}`);

  // Gone from the list, and a second DELETE is a 404.
  let listed = true;
  for (let i = 0; i < 20 && listed; i++) {
    listed = (await client.get('/realtime/sessions')).data.some((s) => s.id === id);
    if (listed) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(listed, false, 'the ended session is still listed');
  await assert.rejects(client.delete(`/realtime/sessions/${id}`), (err) => err.status === 404);
});

test('sessions API: unknown id is 404; a bad key is 401', async () => {
  await assert.rejects(openai().get('/realtime/sessions/sess_does_not_exist'), (err) => err.status === 404);
  await assert.rejects(openai('sk-avb-wrong-key').get('/realtime/sessions'), (err) => err.status === 401);
});
