import pg from 'pg';

// The node-postgres type parsers of every connection of this process (imported for its effect by the
// database and by a worker thread's reader): dates as 'YYYY-MM-DD' strings (no time-zone drift), int8 as
// number (宛名番号 fit in 2^53), int8[] as numbers.
export const DATE_OID = 1082;
export const INT8_OID = 20;
pg.types.setTypeParser(DATE_OID, (v: string) => v);
pg.types.setTypeParser(INT8_OID, (v: string) => Number(v));
pg.types.setTypeParser(1016 as never, (v: string) => (v === '{}' ? [] : v.slice(1, -1).split(',').map(Number)));
