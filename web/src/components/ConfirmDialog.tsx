/**
 * A modal confirmation for irreversible or far-reaching operations (e.g. 職員の無効化). Built on the
 * native <dialog>: focus stays inside while open, Esc cancels, and focus returns to where it was.
 * The safe choice (キャンセル) has the initial focus.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react';

export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  busy,
  tone = 'danger',
  wide = false,
  testId,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  /** `danger` for what cannot be undone (無効化, 取下げ); `primary` for a confirmation of a normal step (承認して反映). */
  tone?: 'danger' | 'primary';
  /** Room for a table (e.g. the change's 変更前/変更後). */
  wide?: boolean;
  testId?: string;
  onConfirm: () => void;
  onCancel: () => void;
}): ReactNode {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const returnTo = useRef<Element | null>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      returnTo.current = document.activeElement;
      d.showModal();
      cancelRef.current?.focus();
    } else if (!open && d.open) {
      d.close();
    }
  }, [open]);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const onClose = (): void => {
      const el = returnTo.current;
      returnTo.current = null;
      if (el instanceof HTMLElement && document.body.contains(el)) el.focus();
    };
    d.addEventListener('close', onClose);
    return () => d.removeEventListener('close', onClose);
  }, []);

  return (
    <dialog
      ref={ref}
      className={wide ? 'dialog dialog--wide' : 'dialog'}
      data-testid={testId}
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(e) => {
        // Esc: let React state decide (the effect closes the dialog).
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId} className="dialog__title">
        {title}
      </h2>
      <div id={bodyId} className="dialog__body">
        {children}
      </div>
      <div className="form__actions">
        <button type="button" className={tone === 'danger' ? 'button button--danger' : 'button'} disabled={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" className="button button--secondary" ref={cancelRef} onClick={onCancel}>
          キャンセル
        </button>
      </div>
    </dialog>
  );
}
