import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { GENERATED_API_FILE, generateApiTypesSource, openApiDocument } from './generate-api-types.js';

describe('web/src/api.generated.ts (UI types generated from the OpenAPI document)', () => {
  it('is what the routes declare now', async () => {
    const fresh = await generateApiTypesSource();
    const committed = readFileSync(GENERATED_API_FILE, 'utf8');
    expect(committed === fresh, 'api.generated.ts が古くなっています。npm run gen:api を実行してください / api.generated.ts is stale: run npm run gen:api').toBe(true);
  });

  it('is built from the route declarations alone, without opening a database', () => {
    const doc = openApiDocument();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths ?? {})).toContain('/api/persons/{atenaNo}');
  });
});
