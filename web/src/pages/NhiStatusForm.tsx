/**
 * 国保世帯の変更届 on the household page: record a special status or head period (擬制世帯主, 世帯主変更申出,
 * 特定同一世帯所属者, 住所地特例, 修学中の特例) or end one. Nothing is applied here: each request waits in 承認
 * for a second person, like every 資格 change; the server checks the rules and names the field at fault.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { request, type NhiHousehold } from '../api.js';
import { DoneNotice, ErrorMessage, SelectField, TextField, fieldErrorsOf } from '../components/ui.js';
import { parseDateInput } from '../../../src/lib/wareki.js';

const KINDS = [
  { value: 'pseudo_head', label: '擬制世帯主' },
  { value: 'head_by_application', label: '世帯主変更申出(国保上の世帯主)' },
  { value: 'specific_same_household', label: '特定同一世帯所属者' },
  { value: 'address_exception', label: '住所地特例' },
  { value: 'student_exception', label: '修学中の特例' },
];
const FACILITIES = [
  { value: 'hospital', label: '病院・診療所' },
  { value: 'disability_support', label: '障害者支援施設等' },
  { value: 'elderly_home', label: '特別養護老人ホーム・養護老人ホーム' },
  { value: 'care_facility', label: '介護保険施設' },
  { value: 'other', label: 'その他の施設(国保法 §116の2)' },
];

/** A date typed in 和暦 or 西暦 → YYYY-MM-DD; '' stays empty; anything else is an error. */
function readDate(text: string, what: string): string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const iso = parseDateInput(t);
  if (!iso) throw new Error(`${what}を正しく入力してください(例: 令和8年4月1日、R8.4.1、2026/4/1)`);
  return iso;
}

export function NhiStatusForm({ householdNo, members, statuses }: { householdNo: number; members: { atenaNo: number; nameKanji: string }[]; statuses: NhiHousehold['statuses'] }): ReactNode {
  const [kind, setKind] = useState('pseudo_head');
  const [atenaNo, setAtenaNo] = useState(String(members[0]?.atenaNo ?? ''));
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [facilityName, setFacilityName] = useState('');
  const [facilityKind, setFacilityKind] = useState('');
  const [schoolName, setSchoolName] = useState('');
  const [basis, setBasis] = useState('');
  const [reportedOn, setReportedOn] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [ending, setEnding] = useState<number | null>(null);
  const [endOn, setEndOn] = useState('');
  const fe = fieldErrorsOf(error);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    try {
      const validFrom = readDate(from, '開始日');
      if (!validFrom) throw new Error('開始日を入力してください');
      const validTo = readDate(to, '終了日');
      const reported = readDate(reportedOn, '届出日');
      const r = await request<{ message: string }>(`/api/persons/${atenaNo}/nhi-household-status`, {
        method: 'POST',
        body: {
          kind,
          householdNo,
          validFrom,
          ...(validTo ? { validTo } : {}),
          ...(kind === 'address_exception' ? { facilityName, ...(facilityKind ? { facilityKind } : {}) } : {}),
          ...(kind === 'student_exception' ? { schoolName } : {}),
          ...(basis.trim() ? { basis } : {}),
          ...(reported ? { reportedOn: reported } : {}),
        },
      });
      setDone(r.message);
    } catch (err) {
      setError(err);
    }
  };

  const end = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    try {
      const validTo = readDate(endOn, '終了日');
      if (!validTo) throw new Error('終了日を入力してください');
      const r = await request<{ message: string }>(`/api/nhi-household-status/${ending}/end`, { method: 'POST', body: { validTo } });
      setDone(r.message);
      setEnding(null);
    } catch (err) {
      setError(err);
    }
  };

  const open = statuses.filter((s) => s.validTo === null);
  return (
    <div className="nhi-status-form" data-testid="nhi-status-form">
      <DoneNotice message={done} />
      <form onSubmit={submit} aria-label="国保世帯の変更届">
        <h3>国保世帯の変更届(特例・世帯主の期間)</h3>
        <div className="form-grid">
          <SelectField id="nhi-kind" label="区分" value={kind} onChange={setKind} options={KINDS} error={fe.kind} />
          <SelectField id="nhi-person" label="対象者" value={atenaNo} onChange={setAtenaNo} options={members.map((m) => ({ value: String(m.atenaNo), label: `${m.nameKanji}(${m.atenaNo})` }))} />
          <TextField id="nhi-from" label="開始日" value={from} onChange={setFrom} required error={fe.validFrom} hint="和暦・西暦どちらでも(例: R8.4.1)" />
          <TextField id="nhi-to" label="終了日(分かっていれば)" value={to} onChange={setTo} error={fe.validTo} />
          {kind === 'address_exception' ? (
            <>
              <TextField id="nhi-facility" label="施設名" value={facilityName} onChange={setFacilityName} error={fe.facilityName} />
              <SelectField id="nhi-facility-kind" label="施設の種類" value={facilityKind} onChange={setFacilityKind} options={FACILITIES} placeholder="選んでください" error={fe.facilityKind} hint="児童福祉施設の児童は住所地特例になりません" />
            </>
          ) : null}
          {kind === 'student_exception' ? <TextField id="nhi-school" label="学校名" value={schoolName} onChange={setSchoolName} error={fe.schoolName} /> : null}
          <TextField id="nhi-reported" label="届出日・申出日" value={reportedOn} onChange={setReportedOn} error={fe.reportedOn} />
          <TextField id="nhi-basis" label="根拠・備考" value={basis} onChange={setBasis} error={fe.basis} />
        </div>
        <ErrorMessage error={ending === null ? error : null} />
        <button type="submit" className="button">
          変更届を申請
        </button>
      </form>
      {open.length > 0 ? (
        <form onSubmit={end} aria-label="期間の終了" className="nhi-status-end">
          <h3>期間の終了</h3>
          <div className="form-grid">
            <SelectField
              id="nhi-end-which"
              label="終了する記録"
              value={ending === null ? '' : String(ending)}
              onChange={(v) => setEnding(v ? Number(v) : null)}
              options={open.map((s) => ({ value: String(s.statusId), label: `${s.kindLabel}: ${s.nameKanji}` }))}
              placeholder="選んでください"
            />
            <TextField id="nhi-end-on" label="終了日(その期間に含まれない最初の日)" value={endOn} onChange={setEndOn} error={fe.validTo} />
          </div>
          <ErrorMessage error={ending !== null ? error : null} />
          <button type="submit" className="button button--secondary" disabled={ending === null}>
            終了を申請
          </button>
        </form>
      ) : null}
    </div>
  );
}
