// What the suite types and speaks. It lives in fixtures/phrases.json so that dev/log-scan.sh can
// check, after the suite, that none of it reached a service's log.
import { readFileSync } from 'node:fs';

const { typed, instructions, spoken } = JSON.parse(readFileSync(new URL('../fixtures/phrases.json', import.meta.url), 'utf8'));
export const TYPED = typed;
export const INSTRUCTIONS = instructions;
export const SPOKEN = spoken;
