import type { Actor } from '../security/actor.js';
import type { Deps } from '../deps.js';

/** Per-request variables shared by the middleware and the routes. */
export type AppEnv = {
  Variables: {
    deps: Deps;
    actor: Actor;
    correlationId: string;
    /** Set when the request carries a live session cookie. */
    session?: { hash: string; token: string; staffId: string; stage: 'enrolment' | 'password_ok' | 'active'; csrfToken: string };
  };
};
