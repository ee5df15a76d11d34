import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { openTestDatabase } from './test-database.js';
import { checkedValues, generateSchemaSource, GENERATED_SCHEMA_FILE, renderSchema } from './generate-types.js';

describe('schema.generated.ts (database types generated from the migrations)', () => {
  it('is what the migrations produce now', async () => {
    // This run's migrated template (PGlite, or PostgreSQL when DATABASE_URL is set): same catalogue, no second migration run.
    const test = await openTestDatabase();
    const fresh = await generateSchemaSource(test.database).finally(() => test.drop());
    const committed = readFileSync(GENERATED_SCHEMA_FILE, 'utf8');
    expect(committed === fresh, 'schema.generated.ts が古くなっています。npm run gen:db を実行してください / schema.generated.ts is stale: run npm run gen:db').toBe(true);
  });

  it('reads the allowed values of a CHECK (col IN (…)) as printed by PostgreSQL, and nothing else', () => {
    expect(checkedValues(`CHECK ((sex = ANY (ARRAY['male'::text, 'female'::text])))`, 'sex')).toEqual(['male', 'female']);
    expect(checkedValues(`CHECK ((kind = 'only'::text))`, 'kind')).toEqual(['only']);
    expect(checkedValues(`CHECK ((note = ANY (ARRAY['it''s'::text, 'a, b'::text])))`, 'note')).toEqual(["it's", 'a, b']);
    expect(checkedValues(`CHECK ((updated_by <> ''::text))`, 'updated_by')).toBeNull();
    expect(checkedValues(`CHECK ((postal_code ~ '^[0-9]{7}$'::text))`, 'postal_code')).toBeNull();
    expect(checkedValues(`CHECK ((other = ANY (ARRAY['a'::text])))`, 'sex')).toBeNull();
  });

  it('maps nullability, defaults, arrays and checked values to Kysely types', () => {
    const text = renderSchema(
      [
        { table: 'thing', column: 'id', udt: 'int8', notNull: true, hasDefault: true },
        { table: 'thing', column: 'state', udt: 'text', notNull: false, hasDefault: false },
        { table: 'thing', column: 'tags', udt: '_text', notNull: true, hasDefault: true },
        { table: 'thing', column: 'on_date', udt: 'date', notNull: true, hasDefault: false },
      ],
      [{ table: 'thing', column: 'state', definition: `CHECK ((state = ANY (ARRAY['open'::text, 'shut'::text])))` }],
    );
    expect(text).toContain('export interface ThingTable {\n  id: Generated<number>;\n  state: \'open\' | \'shut\' | null;\n  tags: Generated<string[]>;\n  on_date: string;\n}');
    expect(text).toContain('export interface DB {\n  thing: ThingTable;\n}');
    expect(() => renderSchema([{ table: 'thing', column: 'p', udt: 'point', notNull: true, hasDefault: false }], [])).toThrow(/point/);
  });
});
