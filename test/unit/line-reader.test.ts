// A replica file seen for the first time is checked a line at a time as it is read, through one
// buffer (src/ledger/files.ts: forEachAsciiLine, src/ledger/replica-check.ts: AsciiChecker). Lines
// cut by the buffer's edge, lines longer than the buffer, a last line without its newline and a byte
// that is not ASCII must all come out as they do when the whole file is read: the same lines, the
// same verdict, the same index.
import fc from 'fast-check';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AsciiLines, forEachAsciiLine } from '../../src/ledger/files.js';
import { indexLines } from '../../src/ledger/file-index.js';
import { asciiJson } from '../../src/ledger/json.js';
import { AsciiChecker, checkAscii } from '../../src/ledger/replica-check.js';
import { summaryLedger } from '../helpers/summary-ledger.js';

const dir = mkdtempSync(join(tmpdir(), 'playbook-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Runs `read` on a file holding `bytes`. */
function withFile<T>(bytes: string | Buffer, read: (fd: number, size: number) => T): T {
  const path = join(dir, `f${files++}`);
  writeFileSync(path, bytes);
  const fd = openSync(path, 'r');
  try {
    return read(fd, Buffer.byteLength(bytes));
  } finally {
    closeSync(fd);
  }
}

function linesRead(fd: number, size: number, chunkSize: number): { lines: [string, number][]; read: number | null } {
  const lines: [string, number][] = [];
  const read = forEachAsciiLine(fd, size, (text, start) => lines.push([text, start]) > 0, { chunkSize });
  return { lines, read };
}

/** Printable ASCII, a few characters up to a few times the buffer. */
const lineArb = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ minLength: 20, maxLength: 90 })).map((s) => s.replace(/[^\x20-\x7e]/g, 'x'));

describe('reading a file a line at a time through one buffer', () => {
  it('gives no line after a byte that is not ASCII, whatever the buffer cuts, and asked again still none', () => {
    const text = Buffer.from('aa\nbb\nc\xe9\ndd\nee\n', 'latin1');
    for (let chunkSize = 1; chunkSize <= 20; chunkSize++) {
      withFile(text, (fd, size) => {
        const lines = new AsciiLines(fd, size, { chunkSize });
        const got = [lines.next(), lines.next(), lines.next(), lines.next(), lines.next()];
        // The lines before the chunk holding the byte, and nothing after it.
        expect(got.filter((l) => l !== undefined).every((l) => l === 'aa' || l === 'bb'), `chunk ${chunkSize}`).toBe(true);
        expect(got.slice(got.indexOf(undefined))).toEqual(got.slice(got.indexOf(undefined)).map(() => undefined));
        expect(lines.ascii).toBe(false);
        expect(forEachAsciiLine(fd, size, () => true, { chunkSize })).toBeNull();
      });
    }
  });

  it('gives every whole line with the byte it starts at, whatever the buffer cuts, and reads every byte', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 30 }), fc.string({ maxLength: 10 }), fc.integer({ min: 1, max: 40 }), (lines, tail, chunkSize) => {
        const partial = tail.replace(/[^\x20-\x7e]/g, 'y');
        const text = lines.map((l) => `${l}\n`).join('') + partial;
        const got = withFile(text, (fd, size) => linesRead(fd, size, chunkSize));
        let at = 0;
        const expected = lines.map((l) => {
          const line: [string, number] = [l, at];
          at += l.length + 1;
          return line;
        });
        expect(got).toEqual({ lines: expected, read: text.length });
      }),
    );
  });

  it('from the start of any line gives the lines from there, and shows every byte it reads, in order', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 20 }), fc.nat(), fc.integer({ min: 1, max: 40 }), (lines, pick, chunkSize) => {
        const text = lines.map((l) => `${l}\n`).join('');
        const first = pick % lines.length;
        const from = lines.slice(0, first).reduce((n, l) => n + l.length + 1, 0);
        const seen: [string, number][] = [];
        const chunks: Buffer[] = [];
        const read = withFile(text, (fd, size) => forEachAsciiLine(fd, size, (line, start) => seen.push([line, start]) > 0, { chunkSize, from, chunk: (bytes) => chunks.push(Buffer.from(bytes)) }));
        expect(read).toBe(text.length);
        expect(Buffer.concat(chunks).toString('latin1')).toBe(text.slice(from));
        let at = from;
        expect(seen).toEqual(
          lines.slice(first).map((l) => {
            const line: [string, number] = [l, at];
            at += l.length + 1;
            return line;
          }),
        );
      }),
    );
  });

  it('stops at a byte that is not ASCII, or when told to, and reads only the size asked for', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 20 }), fc.nat(), fc.integer({ min: 1, max: 40 }), (lines, where, chunkSize) => {
        const text = lines.map((l) => `${l}\n`).join('');
        const bytes = Buffer.from(text, 'latin1');
        bytes[where % bytes.length] = 0xc3;
        expect(withFile(bytes, (fd, size) => linesRead(fd, size, chunkSize)).read).toBeNull();
        let calls = 0;
        const stopped = withFile(text, (fd, size) => forEachAsciiLine(fd, size, () => ++calls < 2, { chunkSize }));
        expect([stopped, calls]).toEqual(lines.length >= 2 ? [null, 2] : [text.length, 1]);
        // A file that grew after it was opened is read up to the size it had.
        const first = lines[0]!.length + 1;
        expect(withFile(`${text}more\n`, (fd) => linesRead(fd, first, chunkSize))).toEqual({ lines: [[lines[0], 0]], read: first });
      }),
    );
  });
});

describe('checking a file as it is read', () => {
  const events = summaryLedger().events;
  const lines = events.map((e) => asciiJson(e)!);

  it('gives the verdict and the index of a check of the whole text, for any buffer size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 700 }), fc.integer({ min: 0, max: 3 }), fc.boolean(), (chunkSize, unfinished, cutLine) => {
        // A change still arriving at the end: lines that expect more after them, and perhaps half a line.
        const more = events.slice(0, unfinished).map((e, i) => asciiJson({ ...e, id: `7ZZZZZZZZZZZZZZZZZZZZZZZZ${i}`, more: unfinished - i })!);
        const whole = `${[...lines, ...more].join('\n')}\n`;
        const text = cutLine ? `${whole}{"id":"7ZZZZZ` : whole;
        const checker = new AsciiChecker('f.jsonl');
        const read = withFile(text, (fd, size) => forEachAsciiLine(fd, size, (line, start) => checker.line(line, start), { chunkSize }));
        const streamed = checker.done();
        expect(read).toBe(text.length);
        // The same verdict as a check of the text in memory, which also keeps the events of its whole changes.
        const { events: inMemory, ...verdict } = checkAscii('f.jsonl', text, text.lastIndexOf('\n') + 1);
        expect(streamed).toEqual(verdict);
        expect(streamed.events).toBeUndefined();
        expect(inMemory).toEqual(events);
        const kept = `${lines.join('\n')}\n`;
        expect(streamed.valid).toBe(kept.length);
        expect(streamed.cutEvents).toBe(unfinished);
        expect(streamed.index).toEqual(indexLines(kept, events, 0));
        expect(streamed.lines).toEqual({ ids: events.map((e) => e.id), starts: lines.map((_, i) => lines.slice(0, i).join('\n').length + (i > 0 ? 1 : 0)) });
      }),
      { numRuns: 60 },
    );
  });

  it('names a damaged line by its number, and leaves a line that does not lead with its id to the long way', () => {
    const bad = [...lines.slice(0, 3), '{"id":"01KSF635R082XJN9D9KEHRSY6A", oops', ...lines.slice(3)];
    const checker = new AsciiChecker('f.jsonl');
    expect(() => withFile(`${bad.join('\n')}\n`, (fd, size) => forEachAsciiLine(fd, size, (line, start) => checker.line(line, start), { chunkSize: 64 }))).toThrow(
      /f\.jsonl: ledger is damaged: line 4 is not valid JSON/,
    );
    const { id, ...rest } = events[2]!;
    const reordered = [...lines.slice(0, 2), JSON.stringify({ ...rest, id }), ...lines.slice(3)];
    const second = new AsciiChecker('f.jsonl');
    expect(withFile(`${reordered.join('\n')}\n`, (fd, size) => forEachAsciiLine(fd, size, (line, start) => second.line(line, start)))).toBeNull();
  });
});
