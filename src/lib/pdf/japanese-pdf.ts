import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';

/**
 * PDF documents in BIZ UD ゴシック (Morisawa's universal-design font, SIL Open Font License), drawn with
 * pdfkit. The font comes from the npm package @fontsource/biz-udgothic, which ships it in ~120 pieces
 * by Unicode range (the pieces a web page loads); each character is drawn with the piece that holds it,
 * and only the glyphs used are embedded. No system font is needed, so `npm start` prints anywhere.
 */

type Weight = 400 | 700;
interface Piece {
  file: string;
  ranges: [number, number][];
}

const require = createRequire(import.meta.url);
const fontDir = path.dirname(require.resolve('@fontsource/biz-udgothic/package.json'));
const pieces = new Map<Weight, Piece[]>();
const buffers = new Map<string, Buffer>();

function piecesOf(weight: Weight): Piece[] {
  let p = pieces.get(weight);
  if (!p) {
    const css = readFileSync(path.join(fontDir, `${weight}.css`), 'utf8');
    // Each @font-face: src: url(./files/<name>.woff2) …, url(./files/<name>.woff) …; unicode-range: U+…;
    p = [...css.matchAll(/url\(\.\/files\/([^)]+)\.woff2\)[^;]*;\s*unicode-range:\s*([^;]+);/g)].map((m) => ({
      // pdfkit (fontkit) embeds the WOFF pieces correctly; its WOFF2 decoding loses the outlines.
      file: `${m[1]}.woff`,
      ranges: m[2]!.split(',').map((r) => {
        const [a, b] = r.trim().slice(2).split('-');
        return [parseInt(a!, 16), parseInt(b ?? a!, 16)] as [number, number];
      }),
    }));
    pieces.set(weight, p);
  }
  return p;
}

function pieceFor(cp: number, weight: Weight): string | null {
  return piecesOf(weight).find((p) => p.ranges.some(([a, b]) => cp >= a && cp <= b))?.file ?? null;
}

function fontBuffer(file: string): Buffer {
  let b = buffers.get(file);
  if (!b) {
    b = readFileSync(path.join(fontDir, 'files', file));
    buffers.set(file, b);
  }
  return b;
}

/** Split text into runs drawn with one font piece each; a character no piece holds becomes 〓 (下駄記号). */
function runs(text: string, weight: Weight): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const ch of text) {
    let file = pieceFor(ch.codePointAt(0)!, weight);
    let c = ch;
    if (!file) {
      if (/\s/.test(ch)) {
        file = pieceFor(0x20, weight);
        c = ' ';
      } else {
        file = pieceFor(0x3013, weight);
        c = '〓';
      }
    }
    if (!file) continue;
    const last = out.at(-1);
    if (last && last.file === file) last.text += c;
    else out.push({ file, text: c });
  }
  return out;
}

export interface TextOptions {
  size?: number;
  bold?: boolean;
  /** Align within `width` from x. */
  align?: 'left' | 'center' | 'right';
  width?: number;
}

/** mm → PDF points. */
export const mm = (v: number) => (v * 72) / 25.4;

/** An A4 document with Japanese text placed at exact positions (forms), and simple wrapping for notes. */
export class JapanesePdf {
  readonly doc: PDFKit.PDFDocument;
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<Buffer>;
  private registered = new Set<string>();

  constructor(meta: { title: string; subject?: string }) {
    this.doc = new PDFDocument({ size: 'A4', margin: 0, info: { Title: meta.title, Subject: meta.subject ?? meta.title, Producer: 'kokuho', Creator: 'kokuho' } });
    this.done = new Promise((resolve, reject) => {
      this.doc.on('data', (c: Buffer) => this.chunks.push(c));
      this.doc.on('end', () => resolve(Buffer.concat(this.chunks)));
      this.doc.on('error', reject);
    });
  }

  private use(file: string, size: number) {
    if (!this.registered.has(file)) {
      this.doc.registerFont(file, fontBuffer(file));
      this.registered.add(file);
    }
    this.doc.font(file).fontSize(size);
  }

  /** The width of `text` in points. */
  widthOf(text: string, opts: TextOptions = {}): number {
    const size = opts.size ?? 10;
    let w = 0;
    for (const r of runs(text, opts.bold ? 700 : 400)) {
      this.use(r.file, size);
      w += this.doc.widthOfString(r.text);
    }
    return w;
  }

  /** One line of text with its top-left at (x, y) in points (or aligned within `width`). */
  text(text: string, x: number, y: number, opts: TextOptions = {}): void {
    const size = opts.size ?? 10;
    let cx = x;
    if (opts.align && opts.align !== 'left' && opts.width !== undefined) {
      const w = this.widthOf(text, opts);
      cx = opts.align === 'center' ? x + (opts.width - w) / 2 : x + opts.width - w;
    }
    for (const r of runs(text, opts.bold ? 700 : 400)) {
      this.use(r.file, size);
      this.doc.text(r.text, cx, y, { lineBreak: false });
      cx += this.doc.widthOfString(r.text);
    }
  }

  /** Text wrapped by character within `width` (Japanese has no spaces to break at); returns the y below it. */
  paragraph(text: string, x: number, y: number, width: number, opts: TextOptions & { lineGap?: number } = {}): number {
    const size = opts.size ?? 10;
    const lineHeight = size * 1.45 + (opts.lineGap ?? 0);
    let line = '';
    let cy = y;
    for (const ch of text) {
      if (ch === '\n') {
        this.text(line, x, cy, opts);
        cy += lineHeight;
        line = '';
        continue;
      }
      if (this.widthOf(line + ch, opts) > width && line !== '' && !'、。)」』'.includes(ch)) {
        this.text(line, x, cy, opts);
        cy += lineHeight;
        line = '';
      }
      line += ch;
    }
    if (line !== '') {
      this.text(line, x, cy, opts);
      cy += lineHeight;
    }
    return cy;
  }

  rect(x: number, y: number, w: number, h: number, opts: { lineWidth?: number; dash?: boolean; radius?: number } = {}): void {
    this.doc.save().lineWidth(opts.lineWidth ?? 0.8);
    if (opts.dash) this.doc.dash(3, { space: 3 });
    if (opts.radius) this.doc.roundedRect(x, y, w, h, opts.radius).stroke();
    else this.doc.rect(x, y, w, h).stroke();
    this.doc.undash().restore();
  }

  line(x1: number, y1: number, x2: number, y2: number, opts: { lineWidth?: number; dash?: boolean } = {}): void {
    this.doc.save().lineWidth(opts.lineWidth ?? 0.5);
    if (opts.dash) this.doc.dash(3, { space: 3 });
    this.doc.moveTo(x1, y1).lineTo(x2, y2).stroke().undash().restore();
  }

  addPage(): void {
    this.doc.addPage({ size: 'A4', margin: 0 });
  }

  async toBuffer(): Promise<Buffer> {
    this.doc.end();
    return this.done;
  }
}
