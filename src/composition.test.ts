import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { z } from 'zod';
import { compose, permissionUses, refuseUndeclaredPermissions } from './composition.js';
import { loadConfig } from './config.js';
import type { Database } from './db/database.js';
import { Keyring, newKeyFile } from './security/keyring.js';
import { MODULES } from './modules/index.js';
import { auditModule } from './modules/audit/audit.module.js';
import { defineModule, type BusinessModule } from './platform/module.js';
import { PermissionCatalogue, type Permission } from './platform/permissions.js';

/**
 * The composition refuses to start when the permissions do not add up: two modules declaring the same
 * code, or a route, menu entry, approval kind or role naming one no module declares. Nothing here opens
 * a database: composing builds objects only.
 */
const base = {
  config: { ...loadConfig({}), databaseUrl: undefined },
  database: { kind: 'pglite', db: {} } as unknown as Database,
  keyring: new Keyring(newKeyFile()),
  logger: pino({ level: 'silent' }),
};
const withModules = (...extra: BusinessModule<string, object>[]) => ({ modules: [...MODULES, ...extra] });
/** A code the types do not know, as a typo or a left-out module would leave it. */
const undeclared = (code: string) => code as Permission;

const dir = mkdtempSync(path.join(tmpdir(), 'kokuho-composition-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function organizationFile(roles: string): string {
  const file = path.join(dir, `organization-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `offices:\n  - { code: kokuho, name: 本庁, kind: head_office }\nroles:\n${roles}`);
  return file;
}

describe('composition: every permission named is declared by exactly one module', () => {
  it('composes the modules of MODULES with config/organization.yaml', () => {
    const deps = compose(base);
    expect(deps.permissions.all).toContain('person.read');
    expect(deps.permissions.label('user.admin')).toBe('利用者管理');
  });

  it('refuses two modules declaring the same permission', () => {
    const copy = defineModule({ name: 'copy', title: '複製', permissions: { audit: { label: '監査(複製)' } } });
    expect(() => compose(base, undefined, withModules(copy))).toThrow(/権限 audit が2つのモジュール\(audit, copy\)で宣言されています/);
  });

  it('refuses a menu entry naming an undeclared permission', () => {
    const levy = defineModule({ name: 'levy', title: '賦課', nav: [{ path: '/levy', label: '賦課', permission: undeclared('assessment'), order: 30 }] });
    expect(() => compose(base, undefined, withModules(levy))).toThrow(/モジュール levy のメニュー \/levy: assessment/);
  });

  it('refuses an approval kind naming an undeclared permission (its own, the approver\'s or the warnings\')', () => {
    const kind = { kind: 'levy.adjust', label: '賦課の更正', payload: z.object({}), apply: async () => undefined };
    const levy = defineModule({ name: 'levy', title: '賦課', approvalKinds: () => [{ ...kind, functionCode: 'approval', warningsNeed: undeclared('collection') }] });
    expect(() => compose(base, undefined, withModules(levy))).toThrow(/承認種別 levy\.adjust: collection/);
    const levy2 = defineModule({ name: 'levy', title: '賦課', approvalKinds: () => [{ ...kind, functionCode: undeclared('assessment') }] });
    expect(() => compose(base, undefined, withModules(levy2))).toThrow(/承認種別 levy\.adjust: assessment/);
  });

  it('refuses a route naming an undeclared permission', () => {
    const catalogue = new PermissionCatalogue(MODULES);
    const routes = new Map([
      ['GET /api/persons', { access: 'person.read' as const }],
      ['GET /api/levies', { access: undeclared('assessment') }],
      ['GET /healthz', { access: 'public' as const }],
    ]);
    const uses = permissionUses({ modules: [], routes, kinds: [] });
    expect(uses.map((u) => u.where)).toEqual(['ルート GET /api/persons', 'ルート GET /api/levies']);
    expect(() => refuseUndeclaredPermissions(catalogue, uses)).toThrow(/ルート GET \/api\/levies: assessment/);
  });

  it('refuses a module left out of MODULES while its routes and roles still name its permissions', () => {
    const withoutAudit = MODULES.filter((m) => m !== auditModule);
    // config/organization.yaml grants 'audit' to the auditor role: the roles are checked first.
    expect(() => compose(base, undefined, { modules: withoutAudit })).toThrow(/ロール auditor の権限 audit はどのモジュールも宣言していません/);
    const noAuditor = organizationFile('  - { code: reader, name: 照会, permissions: [person.read] }\n');
    expect(() => compose(base, undefined, { modules: withoutAudit, organizationFile: noAuditor })).toThrow(/ルート GET \/api\/audit\/events: audit/);
  });

  it('refuses a role naming an undeclared permission, and a read-only role holding one that changes data', () => {
    const exchange = organizationFile('  - { code: exchange_operator, name: 連携ファイル担当, permissions: [exchange.file] }\n');
    expect(() => compose(base, undefined, { organizationFile: exchange })).toThrow(/ロール exchange_operator の権限 exchange\.file はどのモジュールも宣言していません/);
    const readOnly = organizationFile('  - { code: branch, name: 支所, read_only: true, permissions: [person.read, mynumber.write] }\n');
    expect(() => compose(base, undefined, { organizationFile: readOnly })).toThrow(/照会専用ロール branch に更新系の権限があります\(mynumber\.write\)/);
    const fine = organizationFile('  - { code: branch, name: 支所, read_only: true, permissions: [person.read, dv.read] }\n');
    expect(() => compose(base, undefined, { organizationFile: fine })).not.toThrow();
  });
});
