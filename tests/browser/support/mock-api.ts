/**
 * A small stand-in for the API, following the same JSON contract as src/server.ts, used by the UI tests
 * that need situations the real server makes hard to reach on demand (an expired session, a step-up
 * request, a permission-limited user). It serves dist/web with the production CSP so that any inline
 * script or style in the build shows up as a CSP violation in the tests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { randomBytes } from 'node:crypto';
import { kanaSearchKey } from '../../../src/lib/kana.js';
import { parseDateInput } from '../../../src/lib/wareki.js';

export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'";

export interface MockStaff {
  staffId: string;
  password: string;
  displayName: string;
  permissions: string[];
  totp: string;
}

export interface MockPerson {
  atenaNo: number;
  nameKanji: string;
  nameKana: string;
  aliasKanji: string | null;
  birthDate: string;
  sex: 'male' | 'female';
  residentStatus: 'resident' | 'moved_out' | 'deceased';
  householdNo: number;
  relationship: string;
  address: string | null;
  myNumber: string | null;
  insured: boolean;
}

const SURNAMES: [string, string][] = [
  ['山田', 'ヤマダ'],
  ['佐藤', 'サトウ'],
  ['鈴木', 'スズキ'],
  ['高橋', 'タカハシ'],
  ['田中', 'タナカ'],
];
const GIVEN: [string, string, 'male' | 'female'][] = [
  ['太郎', 'タロウ', 'male'],
  ['花子', 'ハナコ', 'female'],
  ['一郎', 'イチロウ', 'male'],
  ['美咲', 'ミサキ', 'female'],
  ['健太', 'ケンタ', 'male'],
  ['陽菜', 'ヒナ', 'female'],
];
const RELS = ['世帯主', '妻', '子', '子', '母'];

/** 150 people in 30 households (30 per surname); the first household has a head who is not insured (擬制世帯主). */
export function makePeople(): MockPerson[] {
  const out: MockPerson[] = [];
  let atena = 100001;
  for (let h = 0; h < 30; h++) {
    const [sk, skana] = SURNAMES[h % SURNAMES.length]!;
    for (let m = 0; m < 5; m++) {
      const [gk, gkana, sex] = GIVEN[(h + m) % GIVEN.length]!;
      const year = m === 0 ? 1950 + h : m === 1 ? 1955 + h : m === 4 ? 1930 + h : 1985 + h + m;
      out.push({
        atenaNo: atena++,
        nameKanji: `${sk}\u3000${gk}`,
        nameKana: `${skana}\u3000${gkana}`,
        aliasKanji: null,
        birthDate: `${year}-${String((m % 12) + 1).padStart(2, '0')}-${String(1 + (h % 28)).padStart(2, '0')}`,
        sex,
        residentStatus: 'resident',
        householdNo: 5001 + h,
        relationship: RELS[m]!,
        address: h === 29 ? null : `見本市本町${h + 1}丁目${m + 1}番地`,
        myNumber: m === 0 ? `1234567890${String(h).padStart(2, '0')}` : null,
        insured: !(h === 0 && m === 0),
      });
    }
  }
  return out;
}

export const MOCK_STAFF: MockStaff[] = [
  { staffId: 'clerk01', password: 'pass-clerk', displayName: '窓口 一郎', permissions: ['person.read', 'mynumber.read'], totp: '123456' },
  { staffId: 'auditor1', password: 'pass-audit', displayName: '監査 花子', permissions: ['audit'], totp: '123456' },
];

interface Session {
  staff: MockStaff;
  stage: 'second_factor' | 'done';
  csrf: string;
  steppedUp: boolean;
}

export interface MockServer {
  url: string;
  close(): Promise<void>;
  /** Drop every session (the next call answers 401, as after an idle timeout). */
  expireSessions(): void;
  requests: { method: string; path: string; csrf: string | undefined }[];
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function err(code: string, message: string, fields?: { field: string; message: string }[]): unknown {
  return { error: { code, message, ...(fields ? { fields } : {}) }, correlationId: 'mock-' + randomBytes(4).toString('hex') };
}

export async function startMockServer(webRoot: string): Promise<MockServer> {
  const people = makePeople();
  const sessions = new Map<string, Session>();
  const requests: MockServer['requests'] = [];

  function me(s: Session): unknown {
    return {
      staffId: s.staff.staffId,
      displayName: s.staff.displayName,
      officeCode: '001',
      officeName: '本庁 保険年金課',
      permissions: s.staff.permissions,
      csrfToken: s.csrf,
      hasWebauthn: false,
    };
  }

  async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  function send(res: ServerResponse, status: number, data?: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': CSP,
      ...headers,
    });
    res.end(data === undefined ? undefined : JSON.stringify(data));
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const session = sid ? sessions.get(sid) : undefined;
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const csrf = req.headers['x-csrf-token'] as string | undefined;
    requests.push({ method, path, csrf });

    if (method === 'POST' && path === '/api/auth/login') {
      const b = await body(req);
      const staff = MOCK_STAFF.find((s) => s.staffId === b.staffId && s.password === b.password);
      if (!staff) return send(res, 401, err('invalid_credentials', '職員IDまたはパスワードが正しくありません。'));
      const id = randomBytes(16).toString('hex');
      sessions.set(id, { staff, stage: 'second_factor', csrf: randomBytes(16).toString('hex'), steppedUp: false });
      return send(res, 200, { stage: 'second_factor', methods: ['totp'] }, { 'Set-Cookie': `sid=${id}; HttpOnly; Path=/; SameSite=Strict` });
    }
    if (method === 'POST' && path === '/api/auth/totp') {
      const b = await body(req);
      if (!session || session.stage !== 'second_factor') return send(res, 401, err('login_required', 'ログインからやり直してください。'));
      if (b.code !== session.staff.totp) return send(res, 401, err('invalid_code', 'ワンタイムパスワードが正しくありません。'));
      session.stage = 'done';
      return send(res, 200, { staff: me(session) });
    }
    if (!session || session.stage !== 'done') return send(res, 401, err('unauthenticated', 'ログインしてください。'));
    if (method !== 'GET' && csrf !== session.csrf) return send(res, 403, err('csrf', '不正な要求です。'));

    if (method === 'GET' && path === '/api/auth/me') return send(res, 200, me(session));
    if (method === 'POST' && path === '/api/auth/logout') {
      sessions.delete(sid!);
      return send(res, 204, undefined, { 'Set-Cookie': 'sid=; Max-Age=0; Path=/' });
    }
    if (method === 'POST' && path === '/api/auth/step-up') {
      const b = await body(req);
      if (b.code !== session.staff.totp)
        return send(res, 401, err('invalid_code', 'ワンタイムパスワードが正しくありません。', [{ field: 'code', message: '正しいワンタイムパスワードを入力してください。' }]));
      session.steppedUp = true;
      return send(res, 200, { ok: true });
    }
    const has = (p: string): boolean => session.staff.permissions.includes(p);

    if (method === 'GET' && path === '/api/persons') {
      if (!has('person.read')) return send(res, 403, err('forbidden', 'この操作を行う権限がありません。'));
      const q = url.searchParams;
      const kana = q.get('kana') ?? '';
      const name = q.get('name') ?? '';
      const birth = q.get('birthDate') ?? '';
      const atenaNo = q.get('atenaNo') ?? '';
      const householdNo = q.get('householdNo') ?? '';
      if (!kana && !name && !birth && !atenaNo && !householdNo) return send(res, 400, err('criteria_required', '検索条件を1つ以上指定してください。'));
      let birthIso: string | null = null;
      if (birth) {
        birthIso = parseDateInput(birth);
        if (!birthIso) return send(res, 400, err('validation', '入力内容に誤りがあります。', [{ field: 'birthDate', message: '生年月日の形式が正しくありません。' }]));
      }
      if (name === 'サーバーエラー') return send(res, 400, err('validation', '入力内容に誤りがあります。', [{ field: 'name', message: '漢字氏名に使用できない文字が含まれています。' }]));
      const hits = people.filter(
        (p) =>
          (!kana || kanaSearchKey(p.nameKana).startsWith(kanaSearchKey(kana))) &&
          (!name || p.nameKanji.replace(/\s/g, '').includes(name.replace(/\s/g, ''))) &&
          (!birthIso || p.birthDate === birthIso) &&
          (!atenaNo || String(p.atenaNo) === atenaNo) &&
          (!householdNo || String(p.householdNo) === householdNo),
      );
      const page = Math.max(1, Number(q.get('page') ?? '1'));
      const pageSize = Math.min(100, Number(q.get('pageSize') ?? '20'));
      return send(res, 200, {
        total: hits.length,
        totalCapped: false,
        page,
        pageSize,
        items: hits.slice((page - 1) * pageSize, page * pageSize).map((p) => ({
          atenaNo: p.atenaNo,
          nameKanji: p.nameKanji,
          nameKana: p.nameKana,
          aliasKanji: p.aliasKanji,
          birthDate: p.birthDate,
          sex: p.sex,
          residentStatus: p.residentStatus,
          householdNo: p.householdNo,
          relationship: p.relationship,
          address: p.address,
        })),
      });
    }
    let m = /^\/api\/households\/(\d+)$/.exec(path);
    if (method === 'GET' && m) {
      const members = people.filter((p) => String(p.householdNo) === m![1]);
      if (members.length === 0) return send(res, 404, err('not_found', '世帯が見つかりません。'));
      const head = members[0]!;
      return send(res, 200, {
        householdNo: head.householdNo,
        formedOn: '1980-04-01',
        address: head.address,
        headAtenaNo: head.atenaNo,
        isPseudoHead: !head.insured && members.some((x) => x.insured),
        members: members.map((p) => ({
          atenaNo: p.atenaNo,
          nameKanji: p.nameKanji,
          nameKana: p.nameKana,
          aliasKanji: p.aliasKanji,
          birthDate: p.birthDate,
          sex: p.sex,
          relationship: p.relationship,
          validFrom: '1980-04-01',
          validTo: null,
          residentStatus: p.residentStatus,
          nhi: p.insured
            ? { insured: true, symbol: '01', number: String(p.atenaNo), branchNo: '00', acquiredOn: '2019-05-01', lostOn: null }
            : null,
        })),
        history: [
          { at: '2024-04-01T01:02:03Z', by: 'clerk01', atenaNo: head.atenaNo, table: 'person', changedFields: ['area_code', 'banchi'], validFrom: '2024-03-31', changeReason: '転居' },
          { at: '2019-05-01T00:00:00Z', by: 'batch', atenaNo: null, table: 'household', changedFields: [], validFrom: '1980-04-01', changeReason: '世帯形成' },
        ],
      });
    }
    m = /^\/api\/persons\/(\d+)$/.exec(path);
    if (method === 'GET' && m) {
      const p = people.find((x) => String(x.atenaNo) === m![1]);
      if (!p) return send(res, 404, err('not_found', '該当する方が見つかりません。'));
      return send(res, 200, {
        atenaNo: p.atenaNo,
        nameKanji: p.nameKanji,
        nameKana: p.nameKana,
        aliasKanji: null,
        aliasKana: null,
        realName: null,
        birthDate: p.birthDate,
        sex: p.sex,
        residentKind: 'japanese',
        residentStatus: p.residentStatus,
        address: p.address,
        addressHidden: p.address === null,
        householdNo: p.householdNo,
        relationship: p.relationship,
        versions: [
          { validFrom: '2024-03-31', changeReason: '転居', changedFields: ['area_code'], recordedAt: '2024-04-01T01:02:03Z', recordedBy: 'clerk01' },
          { validFrom: p.birthDate, changeReason: '出生', changedFields: [], recordedAt: '2019-05-01T00:00:00Z', recordedBy: 'batch' },
        ],
        hasMyNumber: p.myNumber !== null,
      });
    }
    if (method === 'GET' && path === '/api/my-number/jimu') {
      return send(res, 200, {
        items: [
          { code: 'nhi.eligibility', name: '被保険者資格管理等に係る事務', legalBasis: ['番号法第９条第１項　別表第１の３０の項'], summary: '資格', note: null, uses: ['register', 'reveal'] },
          { code: 'nhi.tax', name: '国民健康保険税の賦課徴収に関する事務', legalBasis: ['番号法第９条第１項　別表第１の１６の項'], summary: '賦課', note: null, uses: ['reveal'] },
          { code: 'nhi.rotate_only', name: '表示には使えない事務', legalBasis: ['-'], summary: '-', note: null, uses: ['rotate'] },
        ],
      });
    }
    m = /^\/api\/persons\/(\d+)\/my-number\/reveal$/.exec(path);
    if (method === 'POST' && m) {
      if (!has('mynumber.read')) return send(res, 403, err('forbidden', 'この操作を行う権限がありません。'));
      const b = await body(req);
      if (!b.purpose) return send(res, 400, err('validation', '利用目的を入力してください。', [{ field: 'purpose', message: '利用目的は必須です。' }]));
      if (b.jimu !== 'nhi.eligibility' && b.jimu !== 'nhi.tax') return send(res, 403, err('jimu_required', '利用する事務を指定してください。'));
      if (!session.steppedUp) return send(res, 403, err('step_up_required', '本人確認が必要です。'));
      const p = people.find((x) => String(x.atenaNo) === m![1]);
      return send(res, 200, { myNumber: p?.myNumber ?? '' });
    }
    if (method === 'GET' && path === '/api/audit/events') {
      if (!has('audit')) return send(res, 403, err('forbidden', 'この操作を行う権限がありません。'));
      const page = Number(url.searchParams.get('page') ?? '1');
      const all = Array.from({ length: 120 }, (_, i) => ({
        seq: 120 - i,
        occurredAt: new Date(Date.UTC(2025, 3, 1, 0, 0, 0) + i * 60000).toISOString(),
        actorId: i % 2 ? 'clerk01' : 'clerk02',
        functionCode: 'person.search',
        action: 'read',
        subjects: [100001 + (i % 50)],
        outcome: i % 10 === 0 ? 'denied' : 'success',
        ip: '127.0.0.1',
        terminal: 'T-01',
      }));
      return send(res, 200, { total: all.length, page, pageSize: 50, items: all.slice((page - 1) * 50, page * 50) });
    }
    if (method === 'GET' && path === '/api/audit/report') {
      res.writeHead(200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="audit.csv"', 'Cache-Control': 'no-store' });
      res.end('seq,occurredAt\n1,2025-04-01T00:00:00Z\n');
      return;
    }
    return send(res, 404, err('not_found', '見つかりません。'));
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/api/')) {
      api(req, res, url).catch((e: unknown) => send(res, 500, err('internal', String(e))));
      return;
    }
    const rel = normalize(url.pathname).replace(/^(\.\.[/\\])+/, '');
    const file = rel.startsWith('/assets/') ? join(webRoot, rel) : join(webRoot, 'index.html');
    readFile(file).then(
      (data) => {
        res.writeHead(200, {
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Content-Security-Policy': CSP,
          'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=31536000, immutable',
          'X-Content-Type-Options': 'nosniff',
        });
        res.end(data);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    expireSessions: () => sessions.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
