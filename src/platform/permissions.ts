/**
 * Business-function permissions (業務機能ごとの権限). Deny by default: a staff member can do only what
 * one of their roles (config/organization.yaml) grants. Each business area declares its own permissions
 * in `<area>.permissions.ts` and includes them in its module declaration (`permissions` in defineModule);
 * there is no central list. The runtime catalogue (code → label, read-only or not) is built from MODULES
 * by the composition root (`deps.permissions`); the `Permission` type is built from the same files.
 *
 * This file imports nothing at run time: routes files (through http/route.ts) and the area files depend
 * on it while MODULES is still being loaded.
 */
import type { BusinessModule } from './module.js';

/** One permission as its area declares it. */
export interface PermissionDeclaration {
  /** Japanese name (shown in 403 answers, the API document, the approval refusal). */
  label: string;
  /** Grants no change: a `read_only` role (a branch office limited to reading) may hold only these. */
  readOnly?: boolean;
}

/** An area's permissions: code → declaration. Codes are lower case, dot-separated (`person.read`). */
export type PermissionDeclarations = Readonly<Record<string, PermissionDeclaration>>;

/**
 * The permissions every area declares, keyed by area name. Empty here on purpose: each area's
 * `<area>.permissions.ts` adds its entry with TypeScript declaration merging —
 *
 *   declare module '../../platform/permissions.js' {
 *     interface PermissionRegistry { person: typeof personPermissions }
 *   }
 *
 * — so that `Permission` (below) is the union of every declared code and a typo such as
 * `access: 'person.raed'` fails `npm run typecheck`, without a central list and without the type
 * depending on the module objects (their nav entries are typed with `Permission`, which would make the
 * type refer to itself). A file that declares an area here but whose module is not in MODULES is caught
 * at start: nothing may name a permission the runtime catalogue lacks (composition.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the areas (declaration merging)
export interface PermissionRegistry {}

/** Every business permission code any area declares. */
export type Permission = { [Area in keyof PermissionRegistry]: keyof PermissionRegistry[Area] & string }[keyof PermissionRegistry];

/** What a route may declare: a business permission, or one of two explicit non-business levels. */
export type RouteAccess = Permission | 'public' | 'authenticated';

/** A route access that is a business permission (the guard checks it, and its 2xx needs an audit record). */
export function isBusinessAccess(access: RouteAccess): access is Permission {
  return access !== 'public' && access !== 'authenticated';
}

const CODE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

/** The permissions of the modules of this composition: read-only once built. */
export class PermissionCatalogue {
  private readonly byCode: ReadonlyMap<string, PermissionDeclaration & { area: string }>;
  /** Every declared permission, in the order of the modules and of their declarations. */
  readonly all: readonly Permission[];

  /** Refuses two modules declaring the same code, and a code that is not lower-case dotted words. */
  constructor(modules: readonly Pick<BusinessModule, 'name' | 'permissions'>[]) {
    const byCode = new Map<string, PermissionDeclaration & { area: string }>();
    for (const m of modules) {
      for (const [code, d] of Object.entries(m.permissions ?? {})) {
        const other = byCode.get(code);
        if (other) throw new Error(`権限 ${code} が2つのモジュール(${other.area}, ${m.name})で宣言されています / permission ${code} declared by two modules`);
        if (!CODE.test(code)) throw new Error(`モジュール ${m.name} の権限コード「${code}」は英小文字・数字・下線をピリオドで区切って書いてください / bad permission code`);
        byCode.set(code, { ...d, area: m.name });
      }
    }
    this.byCode = byCode;
    this.all = Object.freeze([...byCode.keys()] as Permission[]);
  }

  /** Whether some module declares this code. */
  isPermission(code: string): code is Permission {
    return this.byCode.has(code);
  }

  /** The Japanese label of a permission (the code itself for one no module declares). */
  label(code: Permission): string {
    return this.byCode.get(code)?.label ?? code;
  }

  /** Whether the permission grants no change (may be held by a `read_only` role). */
  isReadOnly(code: Permission): boolean {
    return this.byCode.get(code)?.readOnly === true;
  }

  /** The area (module name) that declares the permission. */
  areaOf(code: Permission): string | undefined {
    return this.byCode.get(code)?.area;
  }

  /** The declared permissions among stored codes: a code no module declares (any more) grants nothing. */
  known(codes: Iterable<string>): Set<Permission> {
    const out = new Set<Permission>();
    for (const c of codes) if (this.isPermission(c)) out.add(c);
    return out;
  }
}

/** A place that names a permission (a route, a menu entry, an approval kind, a role). */
export interface PermissionUse {
  /** Where, in Japanese, e.g. 「ルート GET /api/persons/:atenaNo」. */
  where: string;
  permission: string;
}

/** The uses that name a permission no module declares (empty: all is well). */
export function undeclaredUses(catalogue: PermissionCatalogue, uses: Iterable<PermissionUse>): PermissionUse[] {
  return [...uses].filter((u) => !catalogue.isPermission(u.permission));
}
