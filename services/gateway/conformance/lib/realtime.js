// Shared helpers of the conformance tests: where the gateway is, an OpenAI client for it, and a
// Realtime connection that records every server event so tests can assert exact orders.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const BASE_URL = (process.env.AVB_GATEWAY_URL ?? 'https://127.0.0.1:8443').replace(/\/+$/, '') + '/v1';
export const WSS_URL = BASE_URL.replace(/^http/, 'ws') + '/realtime';
export const API_KEY = readFileSync(process.env.AVB_API_KEY_FILE ?? resolve(ROOT, '.avb/dev-api-key'), 'utf8').trim();
export const MODEL = 'gpt-realtime';

/** What the offline scripted agent (avb-scripted) answers to a plain user message. */
export const SCRIPTED_PREFIX = '[offline scripted agent] ';
export const echoOf = (said) => `${SCRIPTED_PREFIX}No language model is configured, so I echo you. You said: ${said}`;
export const toolReplyOf = (output) => `${SCRIPTED_PREFIX}The tool returned: ${output}`;

export const WEATHER_TOOL = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: {
    type: 'object',
    properties: { location: { type: 'string', description: 'City name' } },
    required: ['location'],
  },
};

export function openai(apiKey = API_KEY) {
  return new OpenAI({ apiKey, baseURL: BASE_URL });
}

const DEFAULT_WAIT_MS = 10_000;

/**
 * Server events in arrival order, with a read cursor. `next(type)` returns the next event of that
 * type after the cursor and moves the cursor past it; `until(type)` returns every event up to and
 * including it. Both time out rather than hang.
 */
export class EventLog {
  constructor() {
    this.events = [];
    this.cursor = 0;
    this.waiters = [];
    this.closed = null;
  }

  push(event) {
    this.events.push(event);
    this.wake();
  }

  close(info) {
    this.closed = info;
    this.wake();
  }

  wake() {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves with the events from the cursor through the first one matching `match`. */
  until(match, { timeout = DEFAULT_WAIT_MS } = {}) {
    const test = typeof match === 'function' ? match : (e) => e.type === match;
    const label = typeof match === 'function' ? 'a matching event' : `'${match}'`;
    return new Promise((resolveWait, reject) => {
      const check = () => {
        for (let i = this.cursor; i < this.events.length; i++) {
          if (test(this.events[i])) {
            const slice = this.events.slice(this.cursor, i + 1);
            this.cursor = i + 1;
            done();
            resolveWait(slice);
            return;
          }
        }
        if (this.closed) {
          done();
          reject(new Error(`socket closed (${JSON.stringify(this.closed)}) while waiting for ${label}; `
            + `got: ${this.types(this.cursor).join(', ')}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${label} within ${timeout} ms; got: ${this.types(this.cursor).join(', ')}`));
      }, timeout);
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
      check();
    });
  }

  async next(match, options) {
    const slice = await this.until(match, options);
    return slice[slice.length - 1];
  }

  /** Waits `ms` and returns what arrived after the cursor meanwhile (the cursor moves past it). */
  async drain(ms) {
    await new Promise((r) => setTimeout(r, ms));
    const slice = this.events.slice(this.cursor);
    this.cursor = this.events.length;
    return slice;
  }

  types(from = 0) {
    return this.events.slice(from).map((e) => e.type);
  }
}

/**
 * Opens a Realtime session through the SDK's OpenAIRealtimeWS (or the given SDK class, e.g. the beta
 * one) and waits for the socket to open. Server `error` events stay in the log like any other.
 */
export async function connect({ apiKey = API_KEY, Client = OpenAIRealtimeWS, options } = {}) {
  const rt = new Client({ model: MODEL, options }, openai(apiKey));
  const log = new EventLog();
  rt.sdkErrors = [];
  rt.on('event', (event) => log.push(event));
  // Without an 'error' listener the SDK turns every error event into an unhandled rejection.
  rt.on('error', (error) => { if (!error.error) rt.sdkErrors.push(error); });
  rt.socket.on('close', (code, reason) => log.close({ code, reason: reason.toString() }));
  await new Promise((resolveOpen, reject) => {
    rt.socket.once('open', resolveOpen);
    rt.socket.once('error', reject);
    rt.socket.once('unexpected-response', (req, res) => {
      // With this listener, ws leaves the (keep-alive) connection open: close it.
      res.socket.destroy();
      req.destroy();
      reject(new Error(`handshake refused: HTTP ${res.statusCode}`));
    });
  });
  rt.log = log;
  return rt;
}

export function closeQuietly(rt) {
  try {
    if (rt && rt.socket.readyState <= 1) rt.close({ code: 1000, reason: 'test done' });
  } catch { /* already gone */ }
}

/** Reads session.created and conversation.created, asserting they come first and in this order. */
export async function handshakeEvents(rt) {
  const [created, conversation] = await Promise.all([rt.log.next('session.created'), rt.log.next('conversation.created')]);
  assert.deepEqual(rt.log.types().slice(0, 2), ['session.created', 'conversation.created']);
  return { created, conversation };
}

/** Makes the session answer in text; a new session answers in audio, as at OpenAI. */
export async function answerInText(rt) {
  rt.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } });
  const updated = await rt.log.next((e) => e.type === 'session.updated' || e.type === 'error');
  assert.equal(updated.type, 'session.updated', JSON.stringify(updated));
  assert.deepEqual(updated.session.output_modalities, ['text']);
}

/** Sends a user text message and waits for conversation.item.added and .done of it. */
export async function addUserText(rt, text, extra = {}) {
  const event_id = extra.event_id ?? `evt_user_${Math.random().toString(36).slice(2, 10)}`;
  rt.send({
    type: 'conversation.item.create',
    event_id,
    item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }], ...(extra.item ?? {}) },
  });
  const events = await rt.log.until('conversation.item.done');
  const types = events.map((e) => e.type);
  assert.deepEqual(types, ['conversation.item.added', 'conversation.item.done'],
    `conversation.item.create answered with ${types.join(', ')}: ${JSON.stringify(events.filter((e) => e.type === 'error'))}`);
  return events;
}

/** Sends response.create and returns every event through response.done. */
export async function respond(rt, response = undefined, { event_id, timeout = 20_000 } = {}) {
  rt.send({ type: 'response.create', ...(event_id ? { event_id } : {}), ...(response ? { response } : {}) });
  return rt.log.until('response.done', { timeout });
}

/** The text of a text response: the concatenated output_text deltas. */
export function deltaText(events, type = 'response.output_text.delta') {
  return events.filter((e) => e.type === type).map((e) => e.delta).join('');
}

/** A full text turn on an open session: user message, response, and the reply text. */
export async function textTurn(rt, said) {
  await addUserText(rt, said);
  const events = await respond(rt);
  const done = events.at(-1);
  assert.equal(done.response.status, 'completed', `response.done: ${JSON.stringify(done.response)}`);
  const text = deltaText(events);
  assert.equal(text, echoOf(said));
  return { events, text, done };
}

export function assertErrorEvent(event, { code, type, eventId, param } = {}) {
  assert.equal(event.type, 'error', `expected an error event, got ${JSON.stringify(event)}`);
  assert.equal(typeof event.event_id, 'string');
  assert.equal(typeof event.error, 'object');
  assert.equal(typeof event.error.message, 'string');
  assert.ok(event.error.message.length > 0);
  if (type !== undefined) assert.equal(event.error.type, type, JSON.stringify(event.error));
  if (code !== undefined) assert.equal(event.error.code, code, JSON.stringify(event.error));
  if (eventId !== undefined) assert.equal(event.error.event_id, eventId, JSON.stringify(event.error));
  if (param !== undefined) assert.equal(event.error.param, param, JSON.stringify(event.error));
}
