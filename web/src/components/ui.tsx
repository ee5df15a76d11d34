/** Small accessible building blocks: labelled inputs with their errors, error summaries, page headings. */
import { useEffect, useRef, type ChangeEvent, type InputHTMLAttributes, type ReactNode, type Ref, type SelectHTMLAttributes } from 'react';
import { ApiError } from '../api.js';
import { APP_NAME } from '../labels.js';

export interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'> {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  error?: string | undefined;
  required?: boolean;
  inputRef?: Ref<HTMLInputElement>;
}

/** The attributes a Field gives its control, in the order they are rendered. */
interface ControlProps {
  id: string;
  name: string;
  value: string;
  onChange: (e: ChangeEvent<HTMLInputElement | HTMLSelectElement>) => void;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
  required: boolean | undefined;
}

/**
 * A labelled control: the label, the hint and the error around the control `children` renders from the
 * attributes given (its id and name, value, change handler, and aria-describedby naming the error, then the hint).
 */
function Field({
  id,
  label,
  value,
  onChange,
  hint,
  error,
  required,
  className,
  children,
}: Pick<TextFieldProps, 'id' | 'label' | 'value' | 'onChange' | 'hint' | 'error' | 'required' | 'className'> & {
  children: (control: ControlProps) => ReactNode;
}): ReactNode {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={'field' + (error ? ' field--error' : '') + (className ? ' ' + className : '')}>
      <label htmlFor={id}>
        {label}
        {required ? <span className="required">（必須）</span> : null}
      </label>
      {hint ? (
        <div id={hintId} className="hint">
          {hint}
        </div>
      ) : null}
      {error ? (
        <div id={errorId} className="field-error">
          <span aria-hidden="true">⚠ </span>
          {error}
        </div>
      ) : null}
      {children({
        id,
        name: id,
        value,
        onChange: (e) => onChange(e.target.value),
        'aria-invalid': error ? true : undefined,
        'aria-describedby': describedBy,
        required,
      })}
    </div>
  );
}

export function TextField({ id, label, value, onChange, hint, error, required, className, inputRef, ...rest }: TextFieldProps): ReactNode {
  return (
    <Field id={id} label={label} value={value} onChange={onChange} hint={hint} error={error} required={required} className={className}>
      {(control) => <input ref={inputRef} {...control} {...rest} />}
    </Field>
  );
}

export interface SelectFieldProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id' | 'value' | 'onChange'> {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: { value: string; label: string }[];
  placeholder?: string;
  hint?: ReactNode;
  error?: string | undefined;
  required?: boolean;
}

/** A `className` is the select's own (TextField's goes on its wrapper). */
export function SelectField({ id, label, value, onChange, options, placeholder, hint, error, required, ...rest }: SelectFieldProps): ReactNode {
  return (
    <Field id={id} label={label} value={value} onChange={onChange} hint={hint} error={error} required={required}>
      {(control) => (
        <select {...control} {...rest}>
          {placeholder !== undefined ? <option value="">{placeholder}</option> : null}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** The message of an error; for a system error (5xx) also the correlation id staff can quote to the help desk. */
export function ErrorMessage({ error, id }: { error: unknown; id?: string }): ReactNode {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  // With field errors, the list says each field once (the server's message repeats them).
  const message = api && api.fields.length > 0 ? '入力内容を確認してください。' : api ? api.message : error instanceof Error ? error.message : String(error);
  return (
    <div className="alert alert--error" role="alert" id={id}>
      <p className="alert__message">{message}</p>
      {api && api.fields.length > 0 ? (
        <ul className="alert__fields">
          {api.fields.map((f, i) => (
            <li key={i}>{f.message}</li>
          ))}
        </ul>
      ) : null}
      {api?.correlationId && api.status >= 500 ? <p className="alert__meta">問い合わせ番号: {api.correlationId}</p> : null}
    </div>
  );
}

export function Notice({ children, kind = 'info' }: { children: ReactNode; kind?: 'info' | 'success' | 'warning' }): ReactNode {
  return (
    <div className={`alert alert--${kind}`} role="status">
      {children}
    </div>
  );
}

/** A success message that takes the focus when it appears (or changes), so that it is read out at once. */
export function DoneNotice({ message }: { message: string | null }): ReactNode {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (message) ref.current?.focus();
  }, [message]);
  return message ? (
    <div ref={ref} tabIndex={-1}>
      <Notice kind="success">{message}</Notice>
    </div>
  ) : null;
}

/**
 * The page's <h1>. Sets document.title and, after client-side navigation, moves focus to the heading so
 * keyboard and screen-reader users start at the new page's content.
 */
export function PageHeading({ children, title }: { children: ReactNode; title: string }): ReactNode {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} | ${APP_NAME}`;
    const active = document.activeElement;
    // Do not steal focus from an input the user is already typing in (e.g. autofocus on the login form).
    if (!active || active === document.body || !document.body.contains(active) || active.closest('nav, header')) {
      ref.current?.focus({ preventScroll: false });
    }
  }, [title]);
  return (
    <h1 ref={ref} tabIndex={-1} className="page-title">
      {children}
    </h1>
  );
}

export function Spinner({ label = '読み込み中…' }: { label?: string }): ReactNode {
  return (
    <p className="loading" role="status">
      {label}
    </p>
  );
}

export function Badge({ children, kind = 'neutral', title }: { children: ReactNode; kind?: 'neutral' | 'warning' | 'ok' | 'muted'; title?: string }): ReactNode {
  return (
    <span className={`badge badge--${kind}`} title={title}>
      {children}
    </span>
  );
}

/** 宛名番号 etc. are numbers on the wire; show them as fixed-width digits. */
export function Num({ value }: { value: number | string | null | undefined }): ReactNode {
  if (value === null || value === undefined || value === '') return <span className="muted">—</span>;
  return <span className="num">{String(value)}</span>;
}

/** Server field errors by top-level field name (first message wins), for showing next to each input. */
export function fieldErrorsOf(e: unknown, rename: Record<string, string> = {}): Record<string, string> {
  const fe: Record<string, string> = {};
  if (e instanceof ApiError)
    for (const f of e.fields) {
      const top = f.field.split('.')[0] ?? f.field;
      fe[rename[top] ?? top] ??= f.message;
    }
  return fe;
}

/** A client-side check's errors in the same shape as the server's, for the error summary. */
export function validationError(fe: Record<string, string>): ApiError {
  return new ApiError(400, 'validation', '入力内容を確認してください。', Object.entries(fe).map(([field, message]) => ({ field, message })));
}
