import type { MiddlewareHandler } from 'hono';
import { errorJson } from './errors.js';

const MESSAGE = '入力に使用できない文字(NUL文字)が含まれています';

function hasNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some(hasNul);
  if (v && typeof v === 'object') return Object.entries(v).some(([k, x]) => k.includes('\u0000') || hasNul(x));
  return false;
}

/**
 * PostgreSQL text and jsonb cannot hold a NUL character: a NUL in the path, the query or a JSON body
 * would surface as a database error (500). Refuse it up front with a 400 (runs after the body limit).
 */
export const rejectNulCharacters: MiddlewareHandler = async (c, next) => {
  let url = c.req.url;
  try {
    url = decodeURIComponent(url);
  } catch {
    /* malformed escapes: the raw text is checked below; the route decides about the rest */
  }
  if (url.includes('\u0000') || /%00/i.test(c.req.url)) return errorJson(c, 400, 'bad_request', MESSAGE);
  if (c.req.raw.body && /json/i.test(c.req.header('content-type') ?? '')) {
    const text = await c.req.text();
    if (text.includes('\u0000')) return errorJson(c, 400, 'bad_request', MESSAGE);
    if (/\\u0000/i.test(text)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined; // not JSON: the validator answers
      }
      if (hasNul(parsed)) return errorJson(c, 400, 'bad_request', MESSAGE);
    }
  }
  await next();
};
