import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Actor } from '../../security/actor.js';
import { insuredOnSql } from '../eligibility/eligibility.repository.js';
import { todayInJapan } from '../eligibility/eligibility.rules.js';

export type ScopeKind = 'all' | 'nhi_file';

/**
 * Record scope: tax-department staff (納税課・特別債権回収課) handle NHI tax collection only, so they see
 * persons in the NHI file (insured now or before) and heads of NHI households (擬制世帯主 included).
 * Head-office and branch staff serve every resident.
 */
export function scopeKindOf(actor: Actor): ScopeKind {
  return actor.kind === 'staff' && actor.officeKind === 'tax' ? 'nhi_file' : 'all';
}

/** The one access service: which persons an actor may see, asked once per use case and remembered. */
export class RecordScope {
  readonly kind: ScopeKind;
  readonly #known = new Map<number, boolean>();
  constructor(
    private readonly db: Kysely<DB>,
    actor: Actor,
  ) {
    this.kind = scopeKindOf(actor);
  }

  /** The subset of these persons the actor may see. */
  async allowed(atenaNos: readonly number[]): Promise<Set<number>> {
    if (this.kind === 'all') return new Set(atenaNos);
    const unknown = [...new Set(atenaNos)].filter((n) => !this.#known.has(n));
    if (unknown.length > 0) {
      const inFile = await nhiFileScope(this.db, unknown);
      for (const n of unknown) this.#known.set(n, inFile.has(n));
    }
    return new Set(atenaNos.filter((n) => this.#known.get(n)));
  }

  async allows(atenaNo: number): Promise<boolean> {
    return (await this.allowed([atenaNo])).has(atenaNo);
  }
}

/** Persons in the NHI file: insured now or before, or the head of a household with an insured member. */
export async function nhiFileScope(db: Kysely<DB>, atenaNos: readonly number[]): Promise<Set<number>> {
  if (atenaNos.length === 0) return new Set();
  const ids = sql.join(atenaNos.map((n) => sql`${n}::bigint`));
  const r = await sql<{ atena_no: number }>`
    SELECT e.atena_no FROM nhi_eligibility e WHERE e.atena_no IN (${ids}) AND e.superseded_at IS NULL
    UNION
    SELECT h.atena_no FROM household_member h
      WHERE h.atena_no IN (${ids}) AND h.valid_to IS NULL AND h.relationship = 'head'
        AND EXISTS (SELECT 1 FROM nhi_eligibility e2 WHERE e2.household_no = h.household_no AND ${insuredOnSql('e2', todayInJapan())})
  `.execute(db);
  return new Set(r.rows.map((x) => Number(x.atena_no)));
}

/** The NHI file scope as a condition on a 宛名番号 column (the same rule as nhiFileScope, for a list filtered in SQL). */
export function nhiFileScopeWhere(atenaNo: RawBuilder<unknown>): RawBuilder<boolean> {
  return sql<boolean>`(
    EXISTS (SELECT 1 FROM nhi_eligibility e WHERE e.atena_no = ${atenaNo} AND e.superseded_at IS NULL)
    OR EXISTS (SELECT 1 FROM household_member h
      WHERE h.atena_no = ${atenaNo} AND h.valid_to IS NULL AND h.relationship = 'head'
        AND EXISTS (SELECT 1 FROM nhi_eligibility e2 WHERE e2.household_no = h.household_no AND ${insuredOnSql('e2', todayInJapan())})))`;
}
