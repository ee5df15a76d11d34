import type { ReactNode } from 'react';
import type { Household, HouseholdMember, Me, NhiHousehold } from '../api.js';
import { NhiStatusForm } from './NhiStatusForm.js';
import { AssessmentSection } from './AssessmentSection.js';
import { AccountTransferCard } from './AccountTransferCard.js';
import { DateText } from '../dates.js';
import { PERMISSION, fieldLabel, sexLabel, tableLabel } from '../labels.js';
import { Link } from '../router.js';
import { Badge, Num, PageHeading } from '../components/ui.js';
import { BackToSearch, pageStatus } from '../components/PageStatus.js';
import { useApi, type Loadable } from '../useApi.js';
import { StatusBadge } from './SearchPage.js';
import { HouseholdTimeline } from './HouseholdTimeline.js';

const PSEUDO_HEAD_NOTE = '世帯主が国保に加入していない世帯（擬制世帯主）です。保険税の納税義務者は世帯主となります。';

export function HouseholdPage({ householdNo, me }: { householdNo: string; me: Me }): ReactNode {
  const res = useApi<Household>(`/api/households/${encodeURIComponent(householdNo)}`);
  // Read once for the 国保世帯 section and the timeline's special statuses.
  const nhi = useApi<NhiHousehold>(`/api/households/${encodeURIComponent(householdNo)}/nhi`);
  const title = `世帯 ${householdNo}`;

  if (res.state !== 'ok') return pageStatus(res, title, <>世帯番号 {householdNo} の世帯は見つかりません。</>);

  const h = res.data;
  const head = h.members.find((m) => m.atenaNo === h.headAtenaNo);
  const names = new Map(h.members.map((m) => [m.atenaNo, m.nameKanji]));
  const current = h.members.filter((m) => !m.validTo);
  const former = h.members.filter((m) => m.validTo);
  const history = [...h.history].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));

  return (
    <>
      <PageHeading title={title}>
        世帯 <span className="num">{String(h.householdNo)}</span>
        {h.isPseudoHead ? (
          <>
            {' '}
            <Badge kind="warning" title={PSEUDO_HEAD_NOTE}>
              擬制世帯主
            </Badge>
          </>
        ) : null}
      </PageHeading>
      <BackToSearch />

      <section className="card" aria-labelledby="household-summary">
        <h2 id="household-summary">世帯の概要</h2>
        <dl className="summary">
          <div>
            <dt>世帯番号</dt>
            <dd>
              <Num value={h.householdNo} />
            </dd>
          </div>
          <div>
            <dt>世帯主</dt>
            <dd>
              {head ? <Link to={`/persons/${head.atenaNo}`}>{head.nameKanji}</Link> : <Num value={h.headAtenaNo} />}
              {h.isPseudoHead ? (
                <>
                  {' '}
                  <Badge kind="warning">擬制世帯主</Badge>
                </>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>世帯形成日</dt>
            <dd>
              <DateText value={h.formedOn} />
            </dd>
          </div>
          <div>
            <dt>住所</dt>
            <dd>{h.address ?? <Badge kind="warning">住所は表示できません</Badge>}</dd>
          </div>
          {h.dissolvedOn ? (
            <div>
              <dt>世帯消除日</dt>
              <dd>
                <DateText value={h.dissolvedOn} />
              </dd>
            </div>
          ) : null}
          <div>
            <dt>世帯員数</dt>
            <dd>{current.length}人</dd>
          </div>
        </dl>
        {h.isPseudoHead ? <p className="note">{PSEUDO_HEAD_NOTE}</p> : null}
      </section>

      <section aria-labelledby="members-heading">
        <h2 id="members-heading">世帯員</h2>
        <MembersTable members={current} headAtenaNo={h.headAtenaNo} pseudo={h.isPseudoHead} caption="現在の世帯員" testId="members" />
        {former.length > 0 ? (
          <>
            <h3>過去の世帯員</h3>
            <MembersTable members={former} headAtenaNo={h.headAtenaNo} pseudo={false} caption="過去の世帯員" testId="former-members" />
          </>
        ) : null}
      </section>

      <NhiHouseholdSection res={nhi} />
      {me.permissions.includes(PERMISSION.eligibilityUpdate) && nhi.state === 'ok' ? (
        <section className="card" aria-label="国保世帯の変更届">
          <NhiStatusForm householdNo={h.householdNo} members={current.map((m) => ({ atenaNo: m.atenaNo, nameKanji: m.nameKanji }))} statuses={nhi.data.statuses} />
        </section>
      ) : null}

      <HouseholdTimeline h={h} statuses={nhi.state === 'ok' ? nhi.data.statuses : []} />

      {me.permissions.includes(PERMISSION.assessmentRead) ? <AssessmentSection householdNo={h.householdNo} /> : null}
      {me.permissions.includes(PERMISSION.assessmentRead) ? <AccountTransferCard householdNo={h.householdNo} canRecord={me.permissions.includes(PERMISSION.assessmentRun)} /> : null}

      <section aria-labelledby="history-heading">
        <h2 id="history-heading">異動履歴</h2>
        {history.length === 0 ? (
          <p>異動履歴はありません。</p>
        ) : (
          <div className="table-wrap" tabIndex={0} aria-label="異動履歴の表">
            <table className="table" data-testid="history">
              <caption className="visually-hidden">異動履歴（新しい順）</caption>
              <thead>
                <tr>
                  <th scope="col">記録日時</th>
                  <th scope="col">区分</th>
                  <th scope="col">対象者</th>
                  <th scope="col">変更項目</th>
                  <th scope="col">異動日</th>
                  <th scope="col">異動事由</th>
                  <th scope="col">記録者</th>
                </tr>
              </thead>
              <tbody>
                {history.map((e, i) => (
                  <tr key={i}>
                    <td>
                      <DateText value={e.at} />
                    </td>
                    <td>{tableLabel(e.table)}</td>
                    <td>
                      {e.atenaNo !== null ? (
                        (names.get(e.atenaNo) ?? <Num value={e.atenaNo} />)
                      ) : (
                        <span className="muted">世帯</span>
                      )}
                    </td>
                    <td>{e.changedFields.length > 0 ? e.changedFields.map(fieldLabel).join('、') : <span className="muted">—</span>}</td>
                    <td>
                      <DateText value={e.validFrom} />
                    </td>
                    <td>{e.changeReasonLabel ?? <span className="muted">—</span>}</td>
                    <td>{e.byLabel}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function MembersTable({
  members,
  headAtenaNo,
  pseudo,
  caption,
  testId,
}: {
  members: HouseholdMember[];
  headAtenaNo: number | null;
  pseudo: boolean;
  caption: string;
  testId: string;
}): ReactNode {
  if (members.length === 0) return <p>世帯員はいません。</p>;
  return (
    <div className="table-wrap" tabIndex={0} aria-label={`${caption}の表`}>
      <table className="table" data-testid={testId}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">続柄</th>
            <th scope="col">氏名</th>
            <th scope="col">カナ氏名</th>
            <th scope="col">生年月日</th>
            <th scope="col">性別</th>
            <th scope="col">状態</th>
            <th scope="col">国保</th>
            <th scope="col">記号・番号・枝番</th>
            <th scope="col">資格取得日</th>
            <th scope="col">資格喪失日</th>
            <th scope="col">世帯員期間</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => {
            const isHead = m.atenaNo === headAtenaNo;
            return (
              <tr key={`${m.atenaNo}-${m.validFrom}`}>
                <td>
                  {m.relationshipLabel}
                  {isHead && pseudo ? (
                    <>
                      {' '}
                      <Badge kind="warning" title={PSEUDO_HEAD_NOTE}>
                        擬制世帯主
                      </Badge>
                    </>
                  ) : null}
                </td>
                <th scope="row">
                  <Link to={`/persons/${m.atenaNo}`}>{m.nameKanji}</Link>
                  {m.aliasKanji ? <span className="alias">（通称：{m.aliasKanji}）</span> : null}
                </th>
                <td>{m.nameKana}</td>
                <td>
                  <DateText value={m.birthDate} />
                </td>
                <td>{sexLabel(m.sex)}</td>
                <td>
                  <StatusBadge status={m.residentStatus} />
                </td>
                <td>
                  {m.nhi === null ? (
                    <Badge kind="muted">非加入</Badge>
                  ) : m.nhi.insured ? (
                    <Badge kind="ok">加入</Badge>
                  ) : (
                    <Badge kind="muted">{m.nhi.lostOn ? '喪失' : '非加入'}</Badge>
                  )}
                </td>
                <td className="num">
                  {m.nhi && m.nhi.symbol ? `${m.nhi.symbol}・${m.nhi.number ?? ''}・${m.nhi.branchNo ?? ''}` : <span className="muted">—</span>}
                </td>
                <td>
                  <DateText value={m.nhi?.acquiredOn} />
                </td>
                <td>
                  <DateText value={m.nhi?.lostOn} />
                </td>
                <td>
                  <DateText value={m.validFrom} /> 〜 {m.validTo ? <DateText value={m.validTo} /> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** 国保世帯 as of today: the taxpayer (国保上の世帯主), 擬制世帯主, its members and the special statuses with their periods. */
function NhiHouseholdSection({ res }: { res: Loadable<NhiHousehold> }): ReactNode {
  return (
    <section className="card" aria-labelledby="nhi-household-heading" data-testid="nhi-household">
      <h2 id="nhi-household-heading">国保世帯</h2>
      {res.state === 'loading' ? (
        <p role="status">読み込み中…</p>
      ) : res.state === 'error' ? (
        <p role="alert">国保世帯を表示できません。</p>
      ) : (
        <NhiHouseholdBody n={res.data} />
      )}
    </section>
  );
}

function NhiHouseholdBody({ n }: { n: NhiHousehold }): ReactNode {
  return (
    <>
      <p className="note">
        <DateText value={n.asOf} /> 現在。賦課は4月1日、一部負担金の割合は8月1日時点の国保世帯で判定します。
      </p>
      {!n.exists ? (
        <p>この日の国保の被保険者はいません。</p>
      ) : (
        <dl className="summary">
          <div>
            <dt>国保上の世帯主(納税義務者)</dt>
            <dd>
              {n.head ? <Link to={`/persons/${n.head.atenaNo}`}>{n.head.nameKanji}</Link> : <span className="muted">—</span>}
              {n.pseudoHead ? (
                <>
                  {' '}
                  <Badge kind="warning" title={PSEUDO_HEAD_NOTE}>
                    擬制世帯主
                  </Badge>
                </>
              ) : null}
              {n.head?.byApplication ? (
                <>
                  {' '}
                  <Badge kind="neutral">世帯主変更申出</Badge>
                </>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>被保険者</dt>
            <dd>
              {n.members.map((m, i) => (
                <span key={m.atenaNo}>
                  {i > 0 ? '、' : ''}
                  <Link to={`/persons/${m.atenaNo}`}>{m.nameKanji}</Link>
                  {m.basis !== 'registry' ? <> <Badge kind="neutral">{m.basisLabel}</Badge></> : null}
                </span>
              ))}
            </dd>
          </div>
          {n.specificSameHousehold.length > 0 ? (
            <div>
              <dt>特定同一世帯所属者</dt>
              <dd>{n.specificSameHousehold.map((p) => p.nameKanji).join('、')}</dd>
            </div>
          ) : null}
          {n.addressException.length > 0 ? (
            <div>
              <dt>住所地特例(別の国保世帯)</dt>
              <dd>
                {n.addressException
                  .map((p) => {
                    const own = n.statuses.find((x) => x.inForce && x.kind === 'address_exception' && x.atenaNo === p.atenaNo)?.ownHouseholdNo;
                    return own ? `${p.nameKanji}(国保世帯番号 ${own})` : p.nameKanji;
                  })
                  .join('、')}
              </dd>
            </div>
          ) : null}
        </dl>
      )}
      {n.notices.length > 0 ? (
        <ul className="note" aria-label="確認が必要な記録">
          {n.notices.map((t) => (
            <li key={t}>{t}</li>
          ))}
        </ul>
      ) : null}
      <h3>特例・世帯主の記録</h3>
      {n.statuses.length === 0 ? (
        <p>記録はありません。</p>
      ) : (
        <div className="table-wrap" tabIndex={0} aria-label="国保世帯の特例・世帯主の記録の表">
          <table className="table" data-testid="nhi-statuses">
            <caption className="visually-hidden">国保世帯の特例・世帯主の記録</caption>
            <thead>
              <tr>
                <th scope="col">区分</th>
                <th scope="col">対象者</th>
                <th scope="col">期間</th>
                <th scope="col">施設・学校</th>
                <th scope="col">状態</th>
              </tr>
            </thead>
            <tbody>
              {n.statuses.map((s) => (
                <tr key={s.statusId}>
                  <td>{s.kindLabel}</td>
                  <th scope="row">
                    <Link to={`/persons/${s.atenaNo}`}>{s.nameKanji}</Link>
                  </th>
                  <td>
                    <DateText value={s.validFrom} /> 〜 {s.validTo ? <DateText value={s.validTo} /> : null}
                  </td>
                  <td>
                    {s.facilityName ? `${s.facilityName}(${s.facilityKindLabel ?? ''})` : (s.schoolName ?? <span className="muted">—</span>)}
                    {s.ownHouseholdNo ? `・国保世帯番号 ${s.ownHouseholdNo}` : null}
                  </td>
                  <td>{s.inForce ? <Badge kind="ok">有効</Badge> : <Badge kind="muted">期間外</Badge>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
