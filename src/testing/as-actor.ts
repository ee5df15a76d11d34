import { sql, type Kysely } from 'kysely';

/** Runs `f` in one transaction of `db` with `nhi.actor` set (the history triggers refuse unattributed writes). */
export function asActor<D>(db: Kysely<D>, actor: string, f: (tx: Kysely<D>) => Promise<unknown>): Promise<void> {
  return db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', ${actor}, true)`.execute(tx);
    await f(tx);
  });
}
