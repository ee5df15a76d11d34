import type { CoreDeps } from './platform/module.js';
import type { ModuleServices } from './modules/index.js';

/**
 * What the composition root builds once and hands to routes and services: the core (configuration,
 * database, keys, audit writer, approvals, logger) and every module's services (src/modules/index.ts).
 */
export type Deps = CoreDeps & ModuleServices;
