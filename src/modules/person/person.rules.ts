import type { Actor } from '../../security/actor.js';

/** Pure rules of the 宛名 area. No I/O. */

/** DV等支援措置: the address (and 転出先/転入前) is hidden from everyone without 'dv.read'. */
export function addressVisible(actor: Actor, dvSupport: boolean): boolean {
  if (!dvSupport) return true;
  return actor.kind !== 'anonymous' && actor.permissions.has('dv.read');
}

/**
 * Record scope: tax-department staff (納税課・特別債権回収課) handle NHI tax collection only, so they see
 * persons in the NHI file (insured now or before) and heads of NHI households (擬制世帯主 included).
 * Head-office and branch staff serve every resident.
 */
export function scopeOf(actor: Actor): 'all' | 'nhi_file' {
  return actor.kind === 'staff' && actor.officeKind === 'tax' ? 'nhi_file' : 'all';
}

export function formatAddress(a: { town_name: string | null; chome: number | null; banchi: string | null; katagaki: string | null }): string | null {
  if (!a.town_name) return null;
  const chome = a.chome ? `${a.chome}丁目` : '';
  return `${a.town_name}${chome}${a.banchi ? a.banchi : ''}${a.katagaki ? ` ${a.katagaki}` : ''}`;
}
