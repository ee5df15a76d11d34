import type { ReactNode } from 'react';
import type { Me, PersonDetail } from '../api.js';
import { DateText } from '../dates.js';
import { fieldLabel, PERMISSION, residentKindLabel, sexLabel } from '../labels.js';
import { Link } from '../router.js';
import { Badge, Num, PageHeading } from '../components/ui.js';
import { BackToSearch, pageStatus } from '../components/PageStatus.js';
import { useApi } from '../useApi.js';
import { StatusBadge } from './SearchPage.js';
import { MyNumberSection } from './MyNumberSection.js';
import { EligibilitySection } from './EligibilitySection.js';
import { CertificatesSection } from './CertificatesSection.js';
import { IncomeSection } from './IncomeSection.js';
import { PerinatalSection } from './PerinatalSection.js';
import { UnemploymentSection } from './UnemploymentSection.js';

export function PersonPage({ atenaNo, me }: { atenaNo: string; me: Me }): ReactNode {
  const res = useApi<PersonDetail>(`/api/persons/${encodeURIComponent(atenaNo)}`);
  const fallbackTitle = `個人 ${atenaNo}`;

  if (res.state !== 'ok') return pageStatus(res, fallbackTitle, <>宛名番号 {atenaNo} の方は見つかりません。</>);

  const p = res.data;
  const canReadMyNumber = me.permissions.includes(PERMISSION.myNumberRead);
  const canWriteMyNumber = me.permissions.includes(PERMISSION.myNumberWrite);
  const versions = [...p.versions].sort((a, b) =>
    a.recordedAt < b.recordedAt ? 1 : a.recordedAt > b.recordedAt ? -1 : (a.validFrom ?? '') < (b.validFrom ?? '') ? 1 : -1,
  );
  return (
    <>
      {/* The document title (kept in the browser's history list) carries the number, never the name. */}
      <PageHeading title={fallbackTitle}>
        {p.nameKanji} <span className="subtitle">（宛名番号 <span className="num">{String(p.atenaNo)}</span>）</span>
      </PageHeading>
      <BackToSearch />

      <section className="card" aria-labelledby="person-basic">
        <h2 id="person-basic">基本情報</h2>
        <dl className="summary">
          <div>
            <dt>宛名番号</dt>
            <dd>
              <Num value={p.atenaNo} />
            </dd>
          </div>
          <div>
            <dt>氏名</dt>
            <dd>{p.nameKanji}</dd>
          </div>
          <div>
            <dt>カナ氏名</dt>
            <dd>{p.nameKana}</dd>
          </div>
          {p.aliasKanji || p.aliasKana ? (
            <div>
              <dt>通称</dt>
              <dd>
                {p.aliasKanji ?? ''}
                {p.aliasKana ? `（${p.aliasKana}）` : ''}
              </dd>
            </div>
          ) : null}
          {p.realName ? (
            <div>
              <dt>本名</dt>
              <dd>{p.realName}</dd>
            </div>
          ) : null}
          <div>
            <dt>生年月日</dt>
            <dd>
              <DateText value={p.birthDate} />
            </dd>
          </div>
          <div>
            <dt>性別</dt>
            <dd>{sexLabel(p.sex)}</dd>
          </div>
          <div>
            <dt>住民種別</dt>
            <dd>{residentKindLabel(p.residentKind)}</dd>
          </div>
          <div>
            <dt>住民状態</dt>
            <dd>
              <StatusBadge status={p.residentStatus} />
            </dd>
          </div>
          <div>
            <dt>住所</dt>
            <dd>
              {p.addressHidden || p.address === null ? (
                <Badge kind="warning">住所は表示できません（支援措置等）</Badge>
              ) : (
                p.address
              )}
              {p.dvSupport && !p.addressHidden ? (
                <>
                  {' '}
                  <Badge kind="warning" title="DV等支援措置の対象者です。住所等の取扱いに注意してください。">
                    支援措置対象
                  </Badge>
                </>
              ) : null}
            </dd>
          </div>
          {p.previousAddress ? (
            <div>
              <dt>前住所</dt>
              <dd>{p.previousAddress}</dd>
            </div>
          ) : null}
          {p.movedOutTo ? (
            <div>
              <dt>転出先</dt>
              <dd>{p.movedOutTo}</dd>
            </div>
          ) : null}
          {p.deathDate ? (
            <div>
              <dt>死亡日</dt>
              <dd>
                <DateText value={p.deathDate} />
              </dd>
            </div>
          ) : null}
          <div>
            <dt>世帯</dt>
            <dd>
              {p.householdNo !== null && p.householdNo !== undefined ? (
                <>
                  <Link to={`/households/${p.householdNo}`}>
                    世帯番号 <span className="num">{String(p.householdNo)}</span>
                  </Link>
                  {p.relationshipLabel ? `（続柄：${p.relationshipLabel}）` : null}
                </>
              ) : (
                <span className="muted">—</span>
              )}
            </dd>
          </div>
        </dl>
      </section>

      <EligibilitySection atenaNo={String(p.atenaNo)} canUpdate={me.permissions.includes(PERMISSION.eligibilityUpdate)} />

      <CertificatesSection atenaNo={String(p.atenaNo)} canIssue={me.permissions.includes(PERMISSION.certificateIssue)} />

      {me.permissions.includes(PERMISSION.incomeRead) ? <IncomeSection atenaNo={String(p.atenaNo)} canDeclare={me.permissions.includes(PERMISSION.incomeDeclare)} /> : null}

      {p.sex === 'female' ? <PerinatalSection atenaNo={String(p.atenaNo)} canRecord={me.permissions.includes(PERMISSION.reductionRecord)} /> : null}

      <UnemploymentSection atenaNo={String(p.atenaNo)} canRecord={me.permissions.includes(PERMISSION.reductionRecord)} />

      {canReadMyNumber || canWriteMyNumber ? (
        <MyNumberSection atenaNo={String(p.atenaNo)} hasMyNumber={p.hasMyNumber} canRead={canReadMyNumber} canWrite={canWriteMyNumber} />
      ) : null}

      <section aria-labelledby="versions-heading">
        <h2 id="versions-heading">異動履歴</h2>
        {versions.length === 0 ? (
          <p>異動履歴はありません。</p>
        ) : (
          <div className="table-wrap" tabIndex={0} aria-label="異動履歴の表">
            <table className="table" data-testid="versions">
              <caption className="visually-hidden">個人の異動履歴（新しい順）</caption>
              <thead>
                <tr>
                  <th scope="col">異動日</th>
                  <th scope="col">異動事由</th>
                  <th scope="col">変更項目</th>
                  <th scope="col">記録日時</th>
                  <th scope="col">記録者</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v, i) => (
                  <tr key={i}>
                    <td>
                      <DateText value={v.validFrom} />
                    </td>
                    <td>{v.changeReasonLabel ?? <span className="muted">—</span>}</td>
                    <td>{v.changedFields.length > 0 ? v.changedFields.map(fieldLabel).join('、') : <span className="muted">—</span>}</td>
                    <td>
                      <DateText value={v.recordedAt} />
                    </td>
                    <td>{v.recordedByLabel}</td>
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
