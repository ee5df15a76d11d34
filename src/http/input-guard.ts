import type { MiddlewareHandler } from 'hono';
import { errorJson } from './errors.js';

const NUL_MESSAGE = '入力に使用できない文字(NUL文字)が含まれています';
const SURROGATE_MESSAGE = '入力に不正な文字コード(対になっていないサロゲート)が含まれています';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored, or undefined when it can. */
function badText(s: string): string | undefined {
  if (s.includes('\u0000')) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(s)) return SURROGATE_MESSAGE;
  return undefined;
}

function badValue(v: unknown): string | undefined {
  if (typeof v === 'string') return badText(v);
  if (Array.isArray(v)) {
    for (const x of v) {
      const bad = badValue(x);
      if (bad) return bad;
    }
    return undefined;
  }
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const bad = badText(k) ?? badValue(x);
      if (bad) return bad;
    }
  }
  return undefined;
}

/**
 * PostgreSQL text and jsonb cannot hold a NUL character, and jsonb refuses an unpaired UTF-16
 * surrogate (`"\ud800"`), which JSON.parse lets through and JSON.stringify writes back as an escape.
 * Either one in the path, the query or a JSON body would surface as a database error (500) — in the
 * audit detail at the latest. Refuse them up front with a 400 (runs after the body limit).
 */
export const rejectUnstorableCharacters: MiddlewareHandler = async (c, next) => {
  let url = c.req.url;
  try {
    url = decodeURIComponent(url);
  } catch {
    /* malformed escapes (also an encoded lone surrogate): the raw text is checked below; the route decides about the rest */
  }
  if (/%00/i.test(c.req.url)) return errorJson(c, 400, 'bad_request', NUL_MESSAGE);
  const urlBad = badText(url);
  if (urlBad) return errorJson(c, 400, 'bad_request', urlBad);
  if (c.req.raw.body && /json/i.test(c.req.header('content-type') ?? '')) {
    const text = await c.req.text();
    const textBad = badText(text);
    if (textBad) return errorJson(c, 400, 'bad_request', textBad);
    if (/\\u(0000|d[89a-f])/i.test(text)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined; // not JSON: the validator answers
      }
      const bad = badValue(parsed);
      if (bad) return errorJson(c, 400, 'bad_request', bad);
    }
  }
  await next();
};
