import type { MiddlewareHandler } from 'hono';
import { errorJson } from './errors.js';

const NUL_MESSAGE = '入力に使用できない文字(NUL文字)が含まれています';
const SURROGATE_MESSAGE = '入力に不正な文字コード(対になっていないサロゲート)が含まれています';

/** No form of this system nests deeper than a few levels; 32 leaves ample room and bounds every walk. */
export const MAX_JSON_DEPTH = 32;
const DEPTH_MESSAGE = `要求の本文の入れ子が深すぎます(配列・オブジェクトの入れ子は${MAX_JSON_DEPTH}段までです)`;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored, or undefined when it can. */
function badText(s: string): string | undefined {
  if (s.includes('\u0000')) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(s)) return SURROGATE_MESSAGE;
  return undefined;
}

/**
 * The deepest nesting of arrays and objects in a JSON text, read in one pass without parsing (so no
 * recursion, whatever the input): brackets inside strings do not count. Stops early past `limit`.
 */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c /* \ */) i++;
      else if (ch === 0x22 /* " */) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b /* [ */ || ch === 0x7b /* { */) {
      depth++;
      if (depth > max) max = depth;
      if (max > limit) return max;
    } else if (ch === 0x5d /* ] */ || ch === 0x7d /* } */) depth--;
  }
  return max;
}

/** The first unstorable string (key or value) in a parsed JSON value; an explicit stack, no recursion. */
function badValue(root: unknown): string | undefined {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      const bad = badText(v);
      if (bad) return bad;
    } else if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) stack.push(k, x);
    }
  }
  return undefined;
}

/**
 * PostgreSQL text and jsonb cannot hold a NUL character, and jsonb refuses an unpaired UTF-16
 * surrogate (`"\ud800"`), which JSON.parse lets through and JSON.stringify writes back as an escape.
 * Either one in the path, the query or a JSON body would surface as a database error (500) — in the
 * audit detail at the latest. Refuse them up front with a 400 (runs after the body limit). A JSON
 * body nested deeper than MAX_JSON_DEPTH is refused too, before anything parses or walks it.
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
    if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return errorJson(c, 400, 'bad_request', DEPTH_MESSAGE);
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
