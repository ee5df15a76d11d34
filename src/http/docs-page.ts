/** A readable API docs page rendered on the server (no script: the CSP forbids inline and external JS). */
const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

export function renderDocsPage(doc: Record<string, unknown>): string {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  const ops: string[] = [];
  for (const [p, methods] of Object.entries(paths)) {
    for (const [m, op] of Object.entries(methods)) {
      const params = ((op.parameters as Record<string, unknown>[] | undefined) ?? [])
        .map((x) => `<li><code>${esc(x.name)}</code> (${esc(x.in)}${x.required ? ', 必須' : ''})</li>`)
        .join('');
      const body = (op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.['application/json']?.schema;
      const responses = Object.entries((op.responses ?? {}) as Record<string, { description?: string }>)
        .map(([code, r]) => `<li><code>${esc(code)}</code> ${esc(r.description)}</li>`)
        .join('');
      ops.push(`<section class="op"><h2><span class="m ${esc(m)}">${esc(m.toUpperCase())}</span> <code>${esc(p)}</code></h2>
<p>${esc(op.summary)}</p><pre class="d">${esc(op.description)}</pre>
${params ? `<h3>パラメータ</h3><ul>${params}</ul>` : ''}
${body ? `<h3>要求本文</h3><pre>${esc(JSON.stringify(body, null, 2))}</pre>` : ''}
<h3>応答</h3><ul>${responses}</ul></section>`);
    }
  }
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>API仕様 - 国民健康保険システム</title>
<link rel="stylesheet" href="/api/docs.css"></head><body><main><h1>国民健康保険システム API</h1>
<p>機械可読の仕様: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1)。すべての要求はログイン後のセッションとCSRFトークンが必要です(公開と記載のものを除く)。</p>
${ops.join('\n')}</main></body></html>`;
}

export const DOCS_CSS = `body{font-family:system-ui,"BIZ UDPGothic",sans-serif;margin:0;background:#f7f7f7;color:#111}
main{max-width:960px;margin:auto;padding:1rem}.op{background:#fff;border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.m{display:inline-block;min-width:4em;padding:0 .4em;border-radius:4px;color:#fff;background:#335;font-size:.9em}.m.post{background:#064}
pre{background:#f0f0f0;padding:.5rem;overflow:auto;white-space:pre-wrap}h2{font-size:1.1rem}`;
