import { z } from 'zod';
import type { Command } from '../../cli/command.js';
import { isoDateOption, opts, requiredArgument, textOption, warekiDateTime } from '../../cli/command.js';
import { AppError } from '../../http/errors.js';
import { operatorActor } from '../../security/actor.js';
import { formatDateForClerk } from '../../lib/wareki.js';
import { formatWarekiTime } from '../../platform/batch/batch-runs.js';
import { whoLabels } from './who.js';

/** 利用者管理 from the command line: the first administrator, disabling, unlocking, the access review. */
export const accessCommands: Record<string, Command> = {
  'admin-init': {
    summary: '最初の利用者管理者を作成し、初回登録コードを一度だけ表示する(有効な利用者管理者が2名未満のときだけ。四眼承認には2名必要)',
    usage: 'admin-init <職員ID> --name <氏名> --office <所属コード>',
    async run(deps, args, positional) {
      const o = opts(
        {
          name: z.string({ error: '氏名を指定してください(例: --name "管理 一子")' }).trim().min(1, '氏名を指定してください').max(64, '氏名は64文字以内です'),
          office: z.string({ error: '所属コードを指定してください(例: --office johoseisaku。config/organization.yaml の offices)' }).regex(/^[a-z0-9_]{1,64}$/, '所属コードは半角小文字・数字・下線です(例: johoseisaku)'),
        },
        args,
      );
      const id = positional[0];
      if (!id || !/^[A-Za-z0-9._-]{3,32}$/.test(id)) throw new AppError(400, 'bad_option', '職員IDを指定してください(半角英数字と . _ - の3〜32文字。例: admin-init kanri01 --name "管理 一子" --office johoseisaku)');
      const r = await deps.staff.initAdministrator({ staffId: id, displayName: o.name, officeCode: o.office }, operatorActor('admin-init', new Set(['user.admin'])));
      console.log(`利用者管理者 ${id}(${o.name})を作成しました(ロール ${r.roleCode})。`);
      console.log('\n  初回登録コード: ' + r.code);
      console.log(`  有効期限: ${warekiDateTime(r.expiresAt)}まで\n`);
      console.log('このコードは二度と表示されません(保存されるのはハッシュのみ)。本人に手渡しか封書で伝え、メール・チャットでは送らないでください。');
      console.log('本人はログイン画面の「初回登録」で職員IDとこのコードを入力し、自分でパスワードを設定し、ワンタイムパスワードを登録します。');
      console.log('期限が切れたら、もう一人の利用者管理者が画面から「認証情報の再発行」を申請・承認してください。');
      return 0;
    },
  },
  'staff-disable': {
    summary: '職員を無効化し、全セッションを即時終了する(退職・異動)',
    usage: 'staff-disable <職員ID> --reason 人事異動',
    async run(deps, args, positional) {
      const o = opts({ reason: textOption(200, '理由') }, args);
      const id = requiredArgument(positional, '職員IDを指定してください');
      const r = await deps.staff.disable(id, o.reason, operatorActor('staff-disable', new Set(['user.admin'])));
      console.log(`${id} を無効化しました。終了したセッション: ${r.sessionsEnded}`);
      return 0;
    },
  },
  'staff-unlock': {
    summary: 'ログイン失敗でロックされた職員のロックを解除する',
    usage: 'staff-unlock <職員ID>',
    async run(deps, _args, positional) {
      const id = requiredArgument(positional, '職員IDを指定してください');
      await deps.staff.unlock(id, operatorActor('staff-unlock', new Set(['user.admin'])));
      console.log(`${id} のロックを解除しました`);
      return 0;
    },
  },
  'access-review': {
    summary: '権限の棚卸し: 職員・ロールと、指定日以降の付与・剥奪の一覧(人事異動時)',
    usage: 'access-review --since 2026-04-01',
    async run(deps, args) {
      const o = opts({ since: isoDateOption }, args);
      const actor = operatorActor('access-review', new Set(['user.admin']));
      const r = await deps.staff.accessReview(new Date(`${o.since}T00:00:00+09:00`));
      await deps.audit.appendAlone(deps.database.db, actor, { functionCode: 'user.admin', action: 'access.review', detail: { since: o.since, staff: r.staff.length, changes: r.changes.length } });
      console.log('職員ID\t氏名\t所属\t状態\tロール');
      for (const s of r.staff) console.log(`${s.staff_id}\t${s.display_name}\t${s.office_name}\t${s.disabled_at ? '無効' : '有効'}\t${s.roles.join(',')}`);
      console.log(`\n${formatDateForClerk(o.since)} 以降の変更:`);
      const who = await whoLabels(deps.database.db, r.changes.map((c) => c.by_actor));
      for (const c of r.changes) console.log(`${formatWarekiTime(c.at)}\t${c.action}\t${c.staff_id}\t${c.role_code ?? ''}\t${who(c.by_actor)}`);
      return 0;
    },
  },
};
