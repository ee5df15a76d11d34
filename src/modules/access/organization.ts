import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Permission, PermissionCatalogue } from '../../platform/permissions.js';

/** Offices (所属) and roles from config/organization.yaml, validated and applied at start-up. */
const OrganizationSchema = z.object({
  offices: z.array(z.object({ code: z.string().regex(/^[a-z0-9_]+$/), name: z.string().min(1), kind: z.enum(['head_office', 'branch', 'tax']) })).min(1),
  roles: z
    .array(
      z.object({
        code: z.string().regex(/^[a-z0-9_]+$/),
        name: z.string().min(1),
        read_only: z.boolean().optional(),
        // Checked against the modules' declarations below (the codes are not known here at import).
        permissions: z.array(z.string().min(1)).min(1),
      }),
    )
    .min(1),
});
type Role = z.infer<typeof OrganizationSchema>['roles'][number];
export type Organization = Omit<z.infer<typeof OrganizationSchema>, 'roles'> & { roles: (Omit<Role, 'permissions'> & { permissions: Permission[] })[] };

/** Where the organisation is read from (config/organization.yaml unless a test names another file). */
export type OrganizationFile = URL | string;
const ORGANIZATION_FILE = new URL('../../../config/organization.yaml', import.meta.url);

/**
 * Reads and checks the organisation: every permission of a role must be declared by a module (the
 * catalogue built from MODULES), and a `read_only` role may hold only permissions declared read-only.
 */
export function loadOrganization(permissions: PermissionCatalogue, file: OrganizationFile = ORGANIZATION_FILE): Organization {
  const { name, data } = readOrganization(file);
  const problems: string[] = [];
  for (const r of data.roles) {
    const undeclared = r.permissions.filter((p) => !permissions.isPermission(p));
    if (undeclared.length > 0) problems.push(`ロール ${r.code} の権限 ${undeclared.join(', ')} はどのモジュールも宣言していません`);
    const changing = r.permissions.filter((p) => permissions.isPermission(p) && !permissions.isReadOnly(p));
    if (r.read_only && changing.length > 0) problems.push(`照会専用ロール ${r.code} に更新系の権限があります(${changing.join(', ')})`);
  }
  if (problems.length > 0) throw new Error(`${name} が不正です: ${problems.join('; ')}(宣言されている権限: ${permissions.all.join(', ')})`);
  return data as Organization;
}

/** The offices alone (nothing about roles is checked): what the demo seed needs for the towns it serves. */
export function loadOffices(file: OrganizationFile = ORGANIZATION_FILE): Organization['offices'] {
  return readOrganization(file).data.offices;
}

function readOrganization(file: OrganizationFile): { name: string; data: z.infer<typeof OrganizationSchema> } {
  const name = typeof file === 'string' ? file : 'config/organization.yaml';
  const parsed = OrganizationSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${name} が不正です: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return { name, data: parsed.data };
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
