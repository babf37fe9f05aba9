import { randomBytes } from 'node:crypto';

const SWEEP_ID = /^[0-9]{8}-[0-9]{9}-[0-9a-f]{6}$/;

/** A new sweep id, `20261129-231700123-a1b2c3` (UTC to the millisecond): sorts by time, never an integer, no `:` (BullMQ refuses those in job ids). */
export function newSweepId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 18);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Whether `text` has the shape of a sweep id (so it is safe in paths and job ids). */
export function isSweepId(text: string): boolean {
  return SWEEP_ID.test(text);
}
