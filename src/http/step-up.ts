import type { Actor } from '../security/actor.js';
import { AppError } from './errors.js';

/** A step-up (second factor again) is valid this long. */
export const STEP_UP_WINDOW_MS = 5 * 60_000;

/** Refuse sensitive actions (reveal, delete, permission change) without a recent step-up. */
export function requireStepUp(actor: Actor, now = Date.now()): void {
  if (actor.kind !== 'staff') return; // operators act through audited CLI jobs
  if (!actor.stepUpAt || now - actor.stepUpAt.getTime() > STEP_UP_WINDOW_MS) {
    throw new AppError(403, 'step_up_required', 'この操作の前にワンタイムパスワードで再認証してください');
  }
}
