// Fault test: the llm worker is killed (SIGKILL) in the middle of a response and a replacement is
// started through dev/stack.sh. The response must still complete — with exactly the text the
// deterministic scripted agent says, nothing duplicated — or fail with a clear error, within 10 s
// of the kill.
//
// It needs the local stack that `make run` starts (it reads .avb/run/llm.pid). So that the kill
// lands mid-response, the worker must stream slowly: if the running worker does not already have
// AVB_LLM_SCRIPTED_DELAY_MS=$AVB_FAULT_DELAY_MS (default 100), it is restarted with it first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { ROOT, connect, closeQuietly, handshakeEvents, answerInText, addUserText, deltaText, echoOf } from '../../lib/realtime.js';
import { TYPED } from '../../lib/phrases.js';

const DELAY_MS = process.env.AVB_FAULT_DELAY_MS ?? '100';
const PID_FILE = resolve(ROOT, '.avb/run/llm.pid');
const DEADLINE_MS = 10_000;

function llmPid() {
  if (!existsSync(PID_FILE)) return null;
  const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('llm.jar') ? pid : null;
  } catch {
    return null;
  }
}

function delayOf(pid) {
  const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  return env.find((v) => v.startsWith('AVB_LLM_SCRIPTED_DELAY_MS='))?.split('=')[1];
}

/** `dev/stack.sh start` for the llm worker only; resolves with its exit code and output. */
function startLlm() {
  return new Promise((resolveStart) => {
    const child = spawn('bash', [resolve(ROOT, 'dev/stack.sh'), 'start'], {
      cwd: ROOT,
      env: { ...process.env, AVB_SERVICES: 'llm', AVB_LLM_SCRIPTED_DELAY_MS: DELAY_MS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('close', (code) => resolveStart({ code, output }));
  });
}

/** A killed process whose parent has not reaped it yet is a zombie: dead, though signal 0 still reaches it. */
function isGone(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

async function waitGone(pid, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (isGone(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

before(async () => {
  const pid = llmPid();
  assert.ok(pid, `no llm worker running (${PID_FILE}); start the stack with 'make run'`);
  if (delayOf(pid) !== DELAY_MS) {
    process.kill(pid, 'SIGTERM');
    assert.ok(await waitGone(pid, 20_000), `llm worker ${pid} did not stop on SIGTERM`);
    const started = await startLlm();
    assert.equal(started.code, 0, `restarting the llm worker failed:\n${started.output}`);
  }
  assert.equal(delayOf(llmPid()), DELAY_MS);
});

after(async () => {
  // Leave a worker running, whatever happened.
  if (!llmPid()) await startLlm();
});

test('llm worker killed mid-response: the response completes (or fails clearly) within 10 s', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  await handshakeEvents(rt);
  await answerInText(rt);
  const said = TYPED.fault;
  await addUserText(rt, said);

  rt.send({ type: 'response.create', event_id: 'evt_fault' });
  await rt.log.next('response.created');
  // A few deltas in: the worker is busy with this job.
  for (let i = 0; i < 3; i++) await rt.log.next('response.output_text.delta');
  const victim = llmPid();
  assert.ok(victim, 'no llm worker to kill');
  process.kill(victim, 'SIGKILL');
  const killedAt = Date.now();
  assert.ok(await waitGone(victim, 2000), 'the llm worker survived SIGKILL');
  const replacement = startLlm().then((r) => ({ ...r, healthyAfter: Date.now() - killedAt }));

  let events;
  try {
    events = await rt.log.until('response.done', { timeout: DEADLINE_MS });
  } finally {
    const started = await replacement;
    t.diagnostic(`replacement worker: dev/stack.sh exit ${started.code}, healthy ${started.healthyAfter} ms after the kill`);
    assert.equal(started.code, 0, `starting the replacement worker failed:\n${started.output}`);
  }
  const elapsed = Date.now() - killedAt;
  const done = events.at(-1).response;
  t.diagnostic(`response.done ${done.status} ${elapsed} ms after the kill`);
  assert.ok(elapsed <= DEADLINE_MS, `response.done came ${elapsed} ms after the kill`);

  const all = rt.log.events;
  const text = deltaText(all);
  if (done.status === 'completed') {
    assert.equal(text, echoOf(said), 'the text after the reclaim is not what the agent says (lost or duplicated deltas)');
    assert.equal(all.find((e) => e.type === 'response.output_text.done').text, text);
    assert.deepEqual(done.output[0].content, [{ type: 'output_text', text }]);
    // One message item, one content part: the retry did not open a second output.
    assert.equal(all.filter((e) => e.type === 'response.output_item.added').length, 1);
    assert.equal(all.filter((e) => e.type === 'response.content_part.added').length, 1);
  } else {
    assert.equal(done.status, 'failed', JSON.stringify(done));
    const error = done.status_details?.error;
    assert.ok(error && typeof error.code === 'string' && error.code && typeof error.message === 'string' && error.message,
      `a failed response without a clear error: ${JSON.stringify(done.status_details)}`);
    // What was sent is a prefix of what the agent says: nothing wrong or doubled reached the client.
    assert.ok(echoOf(said).startsWith(text), `partial text is not a prefix of the agent's reply: ${text}`);
  }
  assert.deepEqual(all.filter((e) => e.type === 'error'), []);
  // Nothing trails the response.
  assert.deepEqual((await rt.log.drain(500)).map((e) => e.type), []);

  // The session works with the new worker.
  await addUserText(rt, TYPED.andNow);
  rt.send({ type: 'response.create' });
  const next = await rt.log.until('response.done', { timeout: 20_000 });
  assert.equal(next.at(-1).response.status, 'completed');
  assert.equal(deltaText(next), echoOf(TYPED.andNow));
});
