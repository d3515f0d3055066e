// Spoken audio for the voice tests: flite (Debian, installed by make tools) says a sentence; the
// 16 kHz WAV it writes is brought to the Realtime API's 24 kHz PCM16 and cut into 20 ms chunks.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RATE = 24_000;
export const CHUNK_MS = 20;

/** `text` spoken by flite, as 24 kHz PCM16 samples. */
export function speech(text) {
  const dir = mkdtempSync(join(tmpdir(), 'avb-speech-'));
  try {
    const wav = join(dir, 'speech.wav');
    execFileSync('flite', ['-voice', 'kal16', '-t', text, '-o', wav]);
    const { rate, samples } = readWav(readFileSync(wav));
    return resample(samples, rate, RATE);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function silence(ms) {
  return new Int16Array((RATE * ms) / 1000);
}

/** base64 chunks of 20 ms of PCM16 little-endian, as input_audio_buffer.append carries them. */
export function chunks(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Int16Array(total);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  const step = (RATE * CHUNK_MS) / 1000;
  const out = [];
  for (let i = 0; i < all.length; i += step) {
    const slice = all.subarray(i, Math.min(all.length, i + step));
    out.push(Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength).toString('base64'));
  }
  return out;
}

export function durationMs(samples) {
  return (samples.length * 1000) / RATE;
}

function readWav(bytes) {
  let offset = 12;
  let rate = 0;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'fmt ') rate = bytes.readUInt32LE(offset + 12);
    if (id === 'data') {
      const data = bytes.subarray(offset + 8, offset + 8 + size);
      const samples = new Int16Array(data.length / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = data.readInt16LE(i * 2);
      return { rate, samples };
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error('flite wrote a WAV without a data chunk');
}

// Client-side upsampling for a test fixture: linear interpolation is plenty for a VAD and a recogniser.
function resample(samples, from, to) {
  if (from === to) return samples;
  const out = new Int16Array(Math.floor((samples.length * to) / from));
  for (let i = 0; i < out.length; i++) {
    const x = (i * from) / to;
    const j = Math.floor(x);
    const next = samples[Math.min(j + 1, samples.length - 1)];
    out[i] = Math.round(samples[j] + (next - samples[j]) * (x - j));
  }
  return out;
}
