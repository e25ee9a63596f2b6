// What reaches a terminal: colour only where the user wants it, and text a user typed
// with its control characters made visible so it cannot move the cursor or retitle a window.
import { Chalk, type ChalkInstance } from 'chalk';

export type ColorFlag = boolean | 'always' | 'never' | 'auto' | undefined;

/** Whether to colour: the flag, then NO_COLOR, FORCE_COLOR and TERM=dumb, then whether stdout is a terminal (asked last). */
export function wantsColor(flag: ColorFlag, env: NodeJS.ProcessEnv, isTTY: () => boolean): boolean {
  if (flag === false || flag === 'never') return false;
  if (flag === true || flag === 'always') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (env.TERM === 'dumb') return false;
  return isTTY();
}

export function makeChalk(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}

// C0 controls except tab and newline, DEL, and the C1 range (which some terminals read as ESC-sequences).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Makes control characters visible: ESC becomes ␛, CR ␍, BEL ␇, DEL ␡, C1 codes \u{9b}. */
export function neutralize(text: string): string {
  return text.replace(CONTROL, (ch) => {
    const code = ch.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '\u2421';
    return `\\u{${code.toString(16)}}`;
  });
}

/** Like neutralize, and keeps the text on one line. */
export function oneLine(text: string): string {
  return neutralize(text.replace(/\r?\n/g, ' '));
}

/**
 * A deep copy with every string passed through `fix` (neutralize by default), for printing a whole
 * structure written by someone else.
 */
export function neutralizeAll<T>(value: T, fix: (text: string) => string = neutralize): T {
  if (typeof value === 'string') return fix(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => neutralizeAll(v, fix)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, neutralizeAll(v, fix)])) as T;
  }
  return value;
}
