/**
 * Dates are shown in 和暦 by default, with the 西暦 always available: in the title attribute of each date
 * and, for the whole page, through the 「西暦で表示」 switch in the header.
 */
import { createContext, useContext, type ReactNode } from 'react';
import { formatSeireki, formatWareki, parseDateInput } from '../../src/lib/wareki.js';

export type DateMode = 'wareki' | 'seireki';

export const DateModeContext = createContext<DateMode>('wareki');

export function useDateMode(): DateMode {
  return useContext(DateModeContext);
}

const STORAGE_KEY = 'kokuho.dateMode';

export function loadDateMode(): DateMode {
  try {
    return window.localStorage.getItem(STORAGE_KEY) === 'seireki' ? 'seireki' : 'wareki';
  } catch {
    return 'wareki';
  }
}

export function saveDateMode(mode: DateMode): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, mode);
  } catch {
    // Storage may be disabled by policy; the switch still works for this page.
  }
}

/** The date part (YYYY-MM-DD) of an ISO date or timestamp; timestamps are read in Japan time. */
function splitIso(value: string): { date: string; time: string | null } | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return { date: value, time: null };
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) return null;
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(t);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '00';
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}:${get('second')}` };
}

export function formatDate(value: string, mode: DateMode): string {
  const s = splitIso(value);
  if (!s) return value;
  const d = mode === 'seireki' ? formatSeireki(s.date) : formatWareki(s.date);
  return s.time ? `${d} ${s.time}` : d;
}

/**
 * A date (YYYY-MM-DD) or timestamp. Renders a <time> whose text follows the page's mode and whose title
 * gives the other calendar.
 */
export function DateText({ value, empty = '—' }: { value: string | null | undefined; empty?: string }): ReactNode {
  const mode = useDateMode();
  if (!value) return <span className="muted">{empty}</span>;
  const shown = formatDate(value, mode);
  const other = formatDate(value, mode === 'seireki' ? 'wareki' : 'seireki');
  return (
    <time dateTime={value} title={other} data-wareki={formatDate(value, 'wareki')} data-seireki={formatDate(value, 'seireki')}>
      {shown}
    </time>
  );
}

/** The hint under a date input: which formats are accepted (with an example, if given), and how the typed text was read. */
export function DatePreview({ text, example }: { text: string; example?: string }): ReactNode {
  const iso = text.trim() ? parseDateInput(text) : null;
  return (
    <>
      和暦・西暦どちらでも可{example ? `（${example}）` : null}
      {iso ? (
        <span className="hint__parsed">
          {' '}
          → {formatWareki(iso)}（{formatSeireki(iso)}）
        </span>
      ) : null}
    </>
  );
}

export { fiscalYearLabel, incomeYearLabel } from '../../src/lib/wareki.js';
