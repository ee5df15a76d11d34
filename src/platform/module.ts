import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import type { AppEnv } from '../http/context.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Keyring } from '../security/keyring.js';
import type { AuditRepository } from '../modules/audit/audit.repository.js';
import type { ApprovalService, ChangeKind } from '../modules/approval/approval.service.js';
import type { Permission, PermissionCatalogue, PermissionDeclarations } from './permissions.js';
import type { Command } from '../cli/command.js';
import type { BackgroundTask } from './background.js';

/** What every module may use: built by the composition root before any module's services. */
export interface CoreDeps {
  config: Config;
  database: Database;
  keyring: Keyring;
  audit: AuditRepository;
  approvals: ApprovalService;
  logger: Logger;
  /** Every permission the modules declare (code → label, read-only), built from MODULES. */
  permissions: PermissionCatalogue;
}

/** One entry of the staff UI's main menu, shown to those holding the permission (any of them, for a list). */
export interface NavEntry {
  path: string;
  label: string;
  permission: Permission | 'authenticated' | readonly Permission[];
  /** Position in the menu (lower first). */
  order: number;
}

/**
 * A business area declares itself once, in its own folder (`<area>.module.ts`), and is listed once in
 * src/modules/index.ts. The composition root (server, tests, CLI, the API document and the staff UI's
 * menu) reads these declarations; nothing else needs to know the area exists.
 */
export interface BusinessModule<Name extends string = string, Services extends object = object> {
  name: Name;
  /** Japanese name of the area (業務名). */
  title: string;
  /**
   * The business permissions this area brings (from its `<area>.permissions.ts`): roles grant them,
   * its routes, menu entries and approval kinds name them. No two modules declare the same code.
   */
  permissions?: PermissionDeclarations;
  /** The area's services, given the core and the services of the modules listed before it. */
  services?(core: CoreDeps, before: Record<string, unknown>): Services;
  /** Registers the area's HTTP routes (each declared with defineRoute: permission, subject, step-up). */
  routes?(app: OpenAPIHono<AppEnv>): void;
  /** Kinds of change this area holds for a second person's confirmation (四つの目), each with its payload schema. */
  approvalKinds?(services: Services): ChangeKind[];
  /** Japanese labels of the request fields this area adds (named in 400 answers). */
  fieldLabels?: Record<string, string>;
  /** Main-menu entries of the staff UI. */
  nav?: NavEntry[];
  /** The area's commands of `npm run cli -- <name>` (each runs as an audited operator). */
  cli?: Record<string, Command>;
  /** Work the running server does on its own, on a timer (platform/background.ts), given the services of every module. */
  background?(services: Services, core: CoreDeps): BackgroundTask[];
}

export function defineModule<const Name extends string, Services extends object = object>(m: BusinessModule<Name, Services>): BusinessModule<Name, Services> {
  return m;
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The services of a list of modules, merged into one object type. */
export type ServicesOf<M extends readonly BusinessModule<string, object>[]> = UnionToIntersection<
  { [K in keyof M]: M[K] extends BusinessModule<string, infer S> ? S : never }[number]
>;
