import { sql } from 'kysely';

/**
 * `column = ANY($1::bigint[])` with the whole list as one array parameter. A batch names thousands of keys:
 * an `IN ($1, …, $n)` list of that many parameters costs more to send, bind and plan than the query itself
 * (the 本算定's income read took 11.5 s of 45 s with IN lists of 10,000).
 */
export const anyBigint = (column: string, values: readonly number[]) => sql<boolean>`${sql.ref(column)} = ANY(${bigintArray(values)}::bigint[])`;

/**
 * Integers as one array literal ('{1,2,3}'): node-postgres would otherwise escape each element of a
 * JavaScript array as text (≈ 1 s over the 本算定's million persons). Anything but a safe integer is refused.
 */
export function bigintArray(values: readonly number[]): string {
  for (const v of values) if (!Number.isSafeInteger(v)) throw new Error(`整数ではない値は検索条件にできません: ${String(v)}`);
  return `{${values.join(',')}}`;
}

/** `column = ANY($1::text[])`, as `anyBigint`. */
export const anyText = (column: string, values: readonly string[]) => sql<boolean>`${sql.ref(column)} = ANY(${sql.val([...values])}::text[])`;
