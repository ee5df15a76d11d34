/**
 * The last cells of a 届出 or 申出 row (産前産後期間, 非自発的失業者, 口座振替への変更申出): its state (有効 /
 * 取下げ with the reason) and, for staff who may record, withdrawing it with a reason (POST …/withdraw),
 * which keeps the row; `withdrawn` says what follows (a 届出's withdrawal queues a 更正).
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { request } from '../api.js';
import { Badge, ErrorMessage, TextField, fieldErrorsOf, validationError } from './ui.js';

export function NotificationStateCells({
  notificationId,
  endedAt,
  endReason,
  withdrawPath,
  canRecord,
  onDone,
  noun = '届出番号',
  activeLabel = '有効',
  withdrawn = '国保世帯の更正を依頼しました',
}: {
  notificationId: number;
  endedAt: string | null;
  endReason: string | null;
  /** e.g. /api/perinatal/12/withdraw */
  withdrawPath: string;
  canRecord: boolean;
  onDone: (message: string) => Promise<void>;
  /** How the row's number is named (届出番号, 申出番号). */
  noun?: string;
  /** The badge of one in force. */
  activeLabel?: string;
  /** Said after the withdrawal (what follows from it). */
  withdrawn?: string;
}): ReactNode {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const withdraw = async (e: FormEvent) => {
    e.preventDefault();
    if (reason.trim() === '') {
      setError(validationError({ reason: '取下げの理由: 入力してください' }));
      return;
    }
    try {
      await request(withdrawPath, { method: 'POST', body: { reason: reason.trim() } });
      setOpen(false);
      await onDone(`${noun} ${notificationId} を取り下げました。${withdrawn}`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <td>
        {endedAt ? (
          <>
            <Badge kind="muted">取下げ</Badge> <span className="muted">{endReason}</span>
          </>
        ) : (
          <Badge kind="ok">{activeLabel}</Badge>
        )}
      </td>
      {canRecord ? (
        <td>
          {endedAt ? null : open ? (
            <form className="withdraw-form" onSubmit={withdraw} aria-label={`${noun} ${notificationId} の取下げ`}>
              <TextField id={`withdraw-${withdrawPath.replace(/\W+/g, '-')}`} label="取下げの理由" value={reason} onChange={setReason} maxLength={200} error={fieldErrorsOf(error).reason} />
              <ErrorMessage error={error} />
              <button type="submit" className="button button--secondary">
                取り下げる
              </button>
            </form>
          ) : (
            <button type="button" className="button button--secondary" onClick={() => setOpen(true)}>
              取下げ
            </button>
          )}
        </td>
      ) : null}
    </>
  );
}
