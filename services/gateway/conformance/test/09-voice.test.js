// A spoken conversation through the official SDK: the question streamed in 20 ms chunks with
// server_vad, transcribed by the stt worker, answered by the llm worker and spoken by the tts
// worker; then a second turn interrupted by new speech.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { connect, closeQuietly, handshakeEvents, echoOf } from '../lib/realtime.js';
import { speech, silence, chunks, durationMs } from '../lib/speech.js';
import { SPOKEN } from '../lib/phrases.js';

const QUESTION = SPOKEN.question;
const LONG_QUESTION = SPOKEN.longQuestion;

function stream(rt, ...parts) {
  for (const audio of chunks(...parts)) rt.send({ type: 'input_audio_buffer.append', audio });
}

test('voice: a spoken question is detected, transcribed and answered with audio; new speech interrupts the next answer', async (t) => {
  const rt = await connect();
  t.after(() => closeQuietly(rt));
  await handshakeEvents(rt);
  rt.send({
    type: 'session.update',
    session: {
      type: 'realtime',
      output_modalities: ['audio'],
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          transcription: { model: 'whisper-1', language: 'en' },
          turn_detection: { type: 'server_vad', silence_duration_ms: 600, create_response: true, interrupt_response: true },
        },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy' },
      },
    },
  });
  const updated = await rt.log.next('session.updated');
  assert.deepEqual(updated.session.output_modalities, ['audio']);

  const question = speech(QUESTION);
  stream(rt, silence(300), question, silence(1500));

  const started = await rt.log.next('input_audio_buffer.speech_started');
  assert.ok(started.audio_start_ms >= 0 && started.audio_start_ms < 700, `speech_started at ${started.audio_start_ms} ms`);
  const stopped = await rt.log.next('input_audio_buffer.speech_stopped');
  assert.equal(stopped.item_id, started.item_id);
  assert.ok(stopped.audio_end_ms > started.audio_start_ms + durationMs(question) / 2,
    `speech_stopped at ${stopped.audio_end_ms} ms for ${durationMs(question)} ms of speech`);
  const committed = await rt.log.next('input_audio_buffer.committed');
  assert.equal(committed.item_id, started.item_id);
  const transcribed = await rt.log.next('conversation.item.input_audio_transcription.completed', { timeout: 20_000 });
  assert.equal(transcribed.item_id, started.item_id);
  assert.match(transcribed.transcript, /weather/, `transcript: ${transcribed.transcript}`);

  const answer = await rt.log.until('response.done', { timeout: 30_000 });
  const types = answer.map((e) => e.type);
  assert.ok(types.includes('response.created'));
  const audio = answer.filter((e) => e.type === 'response.output_audio.delta');
  assert.ok(audio.length > 0, `no audio in ${types.join(', ')}`);
  const samples = audio.reduce((n, e) => n + Buffer.from(e.delta, 'base64').length / 2, 0);
  assert.ok(samples > 24_000, `an answer of a few words lasts more than a second: ${samples} samples`);
  const transcript = answer.find((e) => e.type === 'response.output_audio_transcript.done');
  assert.equal(transcript.transcript, echoOf(transcribed.transcript));
  assert.ok(types.indexOf('response.output_audio.done') > types.lastIndexOf('response.output_audio.delta'));
  const done = answer.at(-1).response;
  assert.equal(done.status, 'completed', JSON.stringify(done.status_details));
  assert.equal(done.output[0].content[0].type, 'output_audio');

  rt.send({ type: 'conversation.item.retrieve', item_id: started.item_id });
  const heard = (await rt.log.next('conversation.item.retrieved')).item.content[0];
  assert.equal(heard.transcript, transcribed.transcript);
  const heardMs = Buffer.from(heard.audio, 'base64').length / 2 / 24;
  const turnMs = stopped.audio_end_ms - started.audio_start_ms;
  assert.ok(Math.abs(heardMs - turnMs) <= 100, `retrieve gives back the turn's ${turnMs} ms of audio: ${heardMs} ms`);

  // Second turn: a long answer, interrupted by the user speaking again.
  stream(rt, speech(LONG_QUESTION), silence(1000));
  await rt.log.next('conversation.item.input_audio_transcription.completed', { timeout: 20_000 });
  const second = await rt.log.next('response.created', { timeout: 20_000 });
  stream(rt, speech('stop'), silence(200));
  await rt.log.next('input_audio_buffer.speech_started');
  const interrupted = await rt.log.next((e) => e.type === 'response.done' && e.response.id === second.response.id);
  assert.equal(interrupted.response.status, 'cancelled', JSON.stringify(interrupted.response.status_details));
  assert.equal(interrupted.response.status_details.reason, 'turn_detected');
  const late = (await rt.log.drain(800)).filter((e) => e.response_id === second.response.id);
  assert.deepEqual(late.map((e) => e.type), [], 'no audio of the interrupted answer after its response.done');
});
