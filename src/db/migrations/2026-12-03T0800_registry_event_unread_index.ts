import { sql, type Kysely } from 'kysely';

/**
 * registry_event_person (atena_no, occurred_on) is dropped: nothing reads the events by person (a work
 * item names its event by 異動連番; the intake looks events up by 異動連番; the demo reads them whole),
 * and the index cost every stored event an insertion at a random place — a year of the registry's
 * changes (800,000 events) touched a random index page per event. A screen that lists a person's events
 * would add an index with it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX registry_event_person`.execute(db);
}
