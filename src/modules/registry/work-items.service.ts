import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../http/errors.js';
import { runUseCase } from '../../platform/use-case.js';
import { actorLabel, type Actor } from '../../security/actor.js';
import { whoLabels } from '../access/who.js';
import type { AuditRepository } from '../audit/audit.repository.js';
import { WORK_ITEM_LABELS, type WorkItemKind } from './intake-effects.rules.js';
import { REGISTRY_EVENT_KINDS, isRegistryEventCode } from './registry-events.js';

export type WorkItemStatus = 'open' | 'done' | 'dismissed';
export type QueueKind = WorkItemKind | 'automatic_loss';

export const QUEUE_KIND_LABELS: Record<QueueKind, string> = { ...WORK_ITEM_LABELS, automatic_loss: '自動喪失(確認)' };
export const QUEUE_KINDS = Object.keys(QUEUE_KIND_LABELS) as [QueueKind, ...QueueKind[]];

/**
 * 作業項目 (the work-item queue): what the registry's events opened for staff, and the automatic
 * changes listed for review. Staff close an item as done (処理済み) or not applicable (対象外) with a note.
 */
export class WorkItemService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly audit: AuditRepository,
  ) {}

  async list(actor: Actor, q: { status: WorkItemStatus; kind?: QueueKind; page: number; pageSize: number }, correlationId: string) {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'eligibility.update', action: 'work_item.list', correlationId, detail: { status: q.status, ...(q.kind ? { kind: q.kind } : {}) } }, async ({ tx, scope, subjects, detail }) => {
      let base = tx.selectFrom('work_item as w').where('w.status', '=', q.status);
      if (q.kind) base = base.where('w.kind', '=', q.kind);
      const total = Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const rows = await base
        .innerJoin('person as p', 'p.atena_no', 'w.atena_no')
        .leftJoin('registry_event as e', 'e.event_id', 'w.event_id')
        .select(['w.work_item_id', 'w.kind', 'w.atena_no', 'w.household_no', 'w.event_id', 'w.suggested_date', 'w.basis', 'w.eligibility_id', 'w.status', 'w.created_at', 'w.created_by', 'w.resolved_at', 'w.resolved_by', 'w.resolution_note'])
        .select(['p.name_kanji', 'p.name_kana', 'p.birth_date', 'e.event_code', 'e.occurred_on', 'e.reported_on'])
        .orderBy('w.work_item_id', q.status === 'open' ? 'asc' : 'desc')
        .limit(q.pageSize)
        .offset((q.page - 1) * q.pageSize)
        .execute();
      const allowed = await scope.allowed(rows.map((r) => Number(r.atena_no)));
      const visible = rows.filter((r) => allowed.has(Number(r.atena_no)));
      subjects(visible.map((r) => Number(r.atena_no)));
      detail({ total, returned: visible.length });
      const who = await whoLabels(tx, visible.flatMap((r) => [r.created_by, r.resolved_by]));
      return {
        total,
        page: q.page,
        pageSize: q.pageSize,
        items: visible.map((r) => ({
          workItemId: Number(r.work_item_id),
          kind: r.kind as QueueKind,
          kindLabel: QUEUE_KIND_LABELS[r.kind as QueueKind],
          atenaNo: Number(r.atena_no),
          nameKanji: r.name_kanji,
          nameKana: r.name_kana,
          birthDate: r.birth_date,
          householdNo: r.household_no === null ? null : Number(r.household_no),
          eventId: r.event_id,
          eventLabel: r.event_code && isRegistryEventCode(r.event_code) ? REGISTRY_EVENT_KINDS[r.event_code].label : r.kind === 'automatic_loss' ? '75歳到達' : null,
          occurredOn: r.occurred_on ?? null,
          reportedOn: r.reported_on ?? null,
          suggestedDate: r.suggested_date,
          basis: r.basis,
          eligibilityId: r.eligibility_id === null ? null : Number(r.eligibility_id),
          status: r.status as WorkItemStatus,
          createdAt: new Date(r.created_at).toISOString(),
          createdByLabel: who(r.created_by),
          resolvedAt: r.resolved_at ? new Date(r.resolved_at).toISOString() : null,
          resolvedByLabel: r.resolved_by ? who(r.resolved_by) : null,
          resolutionNote: r.resolution_note,
        })),
      };
    });
  }

  /** Close an open item: done (処理済み: the 届 was entered or the automatic change checked) or dismissed (対象外). */
  async resolve(actor: Actor, workItemId: number, input: { status: 'done' | 'dismissed'; note: string | null }, correlationId: string) {
    return runUseCase(this.db, this.audit, actor, { functionCode: 'eligibility.update', action: `work_item.${input.status === 'done' ? 'done' : 'dismiss'}`, correlationId, detail: { workItemId } }, async ({ tx, scope, subjects }) => {
      const item = await tx.selectFrom('work_item').select(['work_item_id', 'atena_no', 'status', 'kind']).where('work_item_id', '=', workItemId).forUpdate().executeTakeFirst();
      if (!item || !(await scope.allows(Number(item.atena_no)))) throw new AppError(404, 'not_found', `作業項目 ${workItemId} はありません`);
      subjects([Number(item.atena_no)]);
      if (item.status !== 'open') throw new AppError(409, 'already_resolved', `作業項目 ${workItemId} は既に${item.status === 'done' ? '処理済み' : '対象外'}です`);
      if (input.status === 'dismissed' && !input.note?.trim()) {
        throw new AppError(400, 'note_required', '対象外とする理由を入力してください', [{ field: 'note', label: '備考', message: '備考: 対象外とする理由を入力してください' }]);
      }
      await tx
        .updateTable('work_item')
        .set({ status: input.status, resolved_at: sql<Date>`clock_timestamp()`, resolved_by: actorLabel(actor), resolution_note: input.note?.trim() || null })
        .where('work_item_id', '=', workItemId)
        .execute();
      return { workItemId, status: input.status };
    });
  }
}
