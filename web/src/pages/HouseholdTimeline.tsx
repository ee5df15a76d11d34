/**
 * 国保加入の経過 on the household page: one row per member (current members first), a bar per 資格期間
 * over the years (SVG: no inline style, the CSP forbids it), and the same periods as text in 和暦 (DateText)
 * with their 取得・喪失事由 — who was insured when, readable at a glance. The 世帯主 row says whether the
 * head is a 擬制世帯主 now, and the spans in which the household had one are drawn on it; the 国保世帯's
 * special statuses (GET /api/households/{no}/nhi: 特定同一世帯所属者, 住所地特例, 修学中の特例 …) on their members' rows.
 */
import type { ReactNode } from 'react';
import type { Household, HouseholdMember, NhiHousehold } from '../api.js';
import { DateText, formatDate, useDateMode, type DateMode } from '../dates.js';
import { residentStatusLabel } from '../labels.js';
import { Link } from '../router.js';
import { Badge } from '../components/ui.js';
import { axisOf, pseudoHeadSpans, tickStep, xOf, type Axis, type Span } from '../timeline.js';

const W = 600;
const BAR_H = 14;

type Period = HouseholdMember['periods'][number];
/** A special status of the 国保世帯 (特定同一世帯所属者, 住所地特例, 修学中の特例, 世帯主変更申出 …) with its period. */
type Status = Pick<NhiHousehold['statuses'][number], 'statusId' | 'atenaNo' | 'kindLabel' | 'validFrom' | 'validTo'>;

function todayJst(): string {
  return new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
}

/** A period as a sentence (the bar's accessible text and tooltip). */
function periodText(p: Period, householdNo: number, mode: DateMode): string {
  const from = `${formatDate(p.acquiredOn, mode)}（${p.acquisitionReasonLabel}）`;
  const to = p.lostOn ? `${formatDate(p.lostOn, mode)}に喪失（${p.lossReasonLabel ?? '事由なし'}）` : '加入中';
  const where = p.householdNo === householdNo ? '' : `、世帯番号 ${p.householdNo} で加入`;
  return `${from}から${to}${where}${p.retroactive ? '、遡及' : ''}`;
}

function spanText(s: Span, mode: DateMode): string {
  return `${formatDate(s.from, mode)}〜${s.to ? formatDate(s.to, mode) : ''}`;
}

function Bar({ periods, pseudo, statuses, axis, householdNo, label, mode, today }: { periods: Period[]; pseudo: Span[]; statuses: Status[]; axis: Axis; householdNo: number; label: string; mode: DateMode; today: string }): ReactNode {
  const texts = periods.map((p) => periodText(p, householdNo, mode));
  const summary = periods.length === 0 ? `${label}: 国保の加入歴なし` : `${label}: ${texts.join('。')}`;
  const statusTexts = statuses.map((st) => `${st.kindLabel} ${spanText({ from: st.validFrom, to: st.validTo }, mode)}`);
  const pseudoSummary =
    (pseudo.length > 0 ? `。擬制世帯主の期間: ${pseudo.map((s) => spanText(s, mode)).join('、')}` : '') + (statusTexts.length > 0 ? `。特例等: ${statusTexts.join('、')}` : '');
  const step = tickStep(axis.years.length);
  return (
    <svg className="timeline__svg" viewBox={`0 0 ${W} ${BAR_H + 10}`} preserveAspectRatio="none" role="img" aria-label={summary + pseudoSummary}>
      {axis.years
        .filter((y) => y % step === 0)
        .map((y) => (
          <line key={y} className="timeline__grid" x1={xOf(axis, `${y}-01-01`, W)} x2={xOf(axis, `${y}-01-01`, W)} y1={0} y2={BAR_H + 10} />
        ))}
      {periods.map((p, i) => {
        const x1 = xOf(axis, p.acquiredOn, W);
        const x2 = xOf(axis, p.lostOn ?? today, W);
        const cls = p.householdNo !== householdNo ? 'timeline__bar--elsewhere' : p.lostOn === null ? 'timeline__bar--open' : 'timeline__bar--ended';
        return (
          <rect key={p.eligibilityId} className={`timeline__bar ${cls}`} x={x1} y={4} width={Math.max(2, x2 - x1)} height={BAR_H} rx={2} data-eligibility-id={p.eligibilityId}>
            <title>{texts[i]}</title>
          </rect>
        );
      })}
      {statuses.map((st, i) => {
        const x1 = xOf(axis, st.validFrom, W);
        const x2 = xOf(axis, st.validTo ?? today, W);
        return (
          <rect key={st.statusId} className="timeline__status" x={x1} y={0} width={Math.max(2, x2 - x1)} height={3}>
            <title>{statusTexts[i]}</title>
          </rect>
        );
      })}
      {pseudo.map((s) => {
        const x1 = xOf(axis, s.from, W);
        const x2 = xOf(axis, s.to ?? today, W);
        return (
          <rect key={s.from} className="timeline__pseudo" x={x1} y={BAR_H + 6} width={Math.max(2, x2 - x1)} height={4}>
            <title>擬制世帯主: {spanText(s, mode)}</title>
          </rect>
        );
      })}
    </svg>
  );
}

function YearScale({ axis }: { axis: Axis }): ReactNode {
  const step = tickStep(axis.years.length);
  return (
    <svg className="timeline__svg timeline__scale" viewBox={`0 0 ${W} 16`} preserveAspectRatio="none" aria-hidden="true">
      {axis.years
        .filter((y) => y % step === 0)
        .map((y) => (
          <text key={y} x={xOf(axis, `${y}-01-01`, W) + 2} y={12} className="timeline__year">
            {y}
          </text>
        ))}
    </svg>
  );
}

export function HouseholdTimeline({ h, statuses = [] }: { h: Household; statuses?: Status[] }): ReactNode {
  const mode = useDateMode();
  const today = todayJst();
  // One row per person: the current membership first, then former members.
  const seen = new Set<number>();
  const rows = [...h.members.filter((m) => !m.validTo), ...h.members.filter((m) => m.validTo)].filter((m) => (seen.has(m.atenaNo) ? false : (seen.add(m.atenaNo), true)));
  if (rows.length === 0) return null;
  const pseudo = pseudoHeadSpans(
    rows.map((m) => ({ atenaNo: m.atenaNo, periods: m.periods.map((p) => ({ from: p.acquiredOn, to: p.lostOn, householdNo: p.householdNo })) })),
    h.headAtenaNo,
    h.householdNo,
  );
  const dates = [
    ...rows.flatMap((m) => m.periods.flatMap((p) => (p.lostOn ? [p.acquiredOn, p.lostOn] : [p.acquiredOn]))),
    ...statuses.flatMap((st) => (st.validTo ? [st.validFrom, st.validTo] : [st.validFrom])),
  ];
  const axis = axisOf(dates.length > 0 ? dates : [h.formedOn], today);
  const first = axis.years[0]!;
  const last = axis.years.at(-1)!;

  return (
    <section aria-labelledby="timeline-heading" className="timeline" data-testid="nhi-timeline">
      <h2 id="timeline-heading">国保加入の経過</h2>
      <p className="hint">
        帯は国保の資格期間（{first}年〜{last}年）。
        <span className="timeline__key timeline__key--open" aria-hidden="true" /> 加入中
        <span className="timeline__key timeline__key--ended" aria-hidden="true" /> 喪失済み
        <span className="timeline__key timeline__key--elsewhere" aria-hidden="true" /> 他の世帯で加入
        <span className="timeline__key timeline__key--pseudo" aria-hidden="true" /> 擬制世帯主（世帯主が国保に加入せず、世帯員が加入）
        <span className="timeline__key timeline__key--status" aria-hidden="true" /> 特例等（国保世帯の記録）
      </p>
      {pseudo.length > 0 ? (
        <p data-testid="pseudo-head-spans">
          <Badge kind="warning">擬制世帯主</Badge> の期間：
          {pseudo.map((s, i) => (
            <span key={s.from}>
              {i > 0 ? '、' : null}
              <DateText value={s.from} />〜{s.to ? <DateText value={s.to} /> : '現在'}
            </span>
          ))}
        </p>
      ) : null}
      <div className="table-wrap" tabIndex={0} aria-label="国保加入の経過の表（横にスクロールできます）">
        <table className="table table--compact timeline__table">
          <caption className="visually-hidden">国保加入の経過（世帯員ごとの資格期間）</caption>
          <thead>
            <tr>
              <th scope="col">世帯員</th>
              <th scope="col" className="timeline__bar-col">
                経過
                <YearScale axis={axis} />
              </th>
              <th scope="col">資格期間（取得日〜喪失日、事由）</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((m) => {
              const isHead = m.atenaNo === h.headAtenaNo;
              return (
                <tr key={m.atenaNo} data-atena-no={m.atenaNo}>
                  <th scope="row">
                    <Link to={`/persons/${m.atenaNo}`}>{m.nameKanji}</Link>
                    <br />
                    <span className="hint">
                      {isHead ? '世帯主' : m.relationshipLabel}
                      {m.validTo ? '・転出等で世帯を離れた' : ''}
                      {m.residentStatus !== 'resident' ? `・${residentStatusLabel(m.residentStatus)}` : ''}
                    </span>
                    {isHead && h.isPseudoHead ? (
                      <>
                        {' '}
                        <Badge kind="warning" title="世帯主が国保に加入していない世帯（擬制世帯主）">
                          擬制世帯主
                        </Badge>
                      </>
                    ) : null}
                  </th>
                  <td className="timeline__bar-col">
                    <Bar periods={m.periods} pseudo={isHead ? pseudo : []} statuses={statuses.filter((st) => st.atenaNo === m.atenaNo)} axis={axis} householdNo={h.householdNo} label={m.nameKanji} mode={mode} today={today} />
                  </td>
                  <td>
                    {statuses
                      .filter((st) => st.atenaNo === m.atenaNo)
                      .map((st) => (
                        <p key={st.statusId} className="timeline__status-text">
                          <Badge kind="neutral">{st.kindLabel}</Badge> <DateText value={st.validFrom} />〜{st.validTo ? <DateText value={st.validTo} /> : null}
                        </p>
                      ))}
                    {m.periods.length === 0 ? (
                      <span className="muted">加入歴なし</span>
                    ) : (
                      <ul className="timeline__periods">
                        {m.periods.map((p) => (
                          <li key={p.eligibilityId} data-eligibility-id={p.eligibilityId}>
                            <DateText value={p.acquiredOn} />〜{p.lostOn ? <DateText value={p.lostOn} /> : <Badge kind="ok">加入中</Badge>}
                            <span className="hint">
                              {' '}
                              {p.acquisitionReasonLabel}
                              {p.lossReasonLabel ? `→${p.lossReasonLabel}` : ''}
                              {p.householdNo !== h.householdNo ? `（世帯番号 ${p.householdNo}）` : ''}
                              {p.retroactive ? '・遡及' : ''}
                            </span>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
