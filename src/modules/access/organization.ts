import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { ALL_PERMISSIONS, type Permission } from './permissions.js';

/** Offices (所属) and roles from config/organization.yaml, validated and applied at start-up. */
const OrganizationSchema = z.object({
  offices: z.array(z.object({ code: z.string().regex(/^[a-z0-9_]+$/), name: z.string().min(1), kind: z.enum(['head_office', 'branch', 'tax']) })).min(1),
  roles: z
    .array(
      z.object({
        code: z.string().regex(/^[a-z0-9_]+$/),
        name: z.string().min(1),
        read_only: z.boolean().optional(),
        permissions: z.array(z.enum(ALL_PERMISSIONS as [Permission, ...Permission[]])).min(1),
      }),
    )
    .min(1),
});
export type Organization = z.infer<typeof OrganizationSchema>;

export function loadOrganization(file = new URL('../../../config/organization.yaml', import.meta.url)): Organization {
  const parsed = OrganizationSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`config/organization.yaml が不正です: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  for (const r of parsed.data.roles) {
    if (r.read_only && r.permissions.some((p) => p !== 'person.read')) throw new Error(`照会専用ロール ${r.code} に更新系の権限があります`);
  }
  return parsed.data;
}

export async function applyOrganization(db: Kysely<DB>, org: Organization, actorLabel: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql`SELECT set_config('nhi.actor', ${actorLabel}, true)`.execute(tx);
    for (const o of org.offices) {
      await tx.insertInto('office').values({ office_code: o.code, name: o.name, kind: o.kind }).onConflict((oc) => oc.column('office_code').doUpdateSet({ name: o.name, kind: o.kind })).execute();
    }
    for (const r of org.roles) {
      await tx.insertInto('role').values({ role_code: r.code, name: r.name, read_only: r.read_only ?? false }).onConflict((oc) => oc.column('role_code').doUpdateSet({ name: r.name, read_only: r.read_only ?? false })).execute();
      await tx.deleteFrom('role_permission').where('role_code', '=', r.code).execute();
      await tx.insertInto('role_permission').values(r.permissions.map((p) => ({ role_code: r.code, permission: p }))).execute();
    }
  });
}
