import type { Actor } from '../security/actor.js';
import { AppError } from './errors.js';

/** A step-up (second factor again) is valid this long. */
export const STEP_UP_WINDOW_MS = 5 * 60_000;

export function stepUpIsRecent(actor: Actor, now = Date.now()): boolean {
  if (actor.kind === 'operator') return true; // operators act through audited CLI jobs
  if (actor.kind !== 'staff') return false; // a system client has no second factor to give again
  return !!actor.stepUpAt && now - actor.stepUpAt.getTime() <= STEP_UP_WINDOW_MS;
}

/**
 * Refuse sensitive actions (reveal, delete, permission change) without a recent step-up. Routes that
 * always need it declare `stepUp: true`; services call this where it depends on the input.
 */
export function requireStepUp(actor: Actor, now = Date.now()): void {
  if (!stepUpIsRecent(actor, now)) throw new AppError(403, 'step_up_required', 'この操作の前にワンタイムパスワードで再認証してください');
}
