// What the session needs from whoever answers: one method per kind of question. On a terminal
// this is inquirer (inquirer.ts, the only module that imports it); tests script it.
export interface Choice<T extends string = string> {
  value: T;
  name: string;
  description?: string;
}

export type Validate<T> = (value: T) => string | true;

export interface Prompter {
  input(o: { message: string; default?: string; validate?: Validate<string>; hint?: string }): Promise<string>;
  editor(o: { message: string; default?: string; validate?: Validate<string> }): Promise<string>;
  select<T extends string>(o: { message: string; choices: Choice<T>[]; default?: T }): Promise<T>;
  checkbox<T extends string>(o: { message: string; choices: (Choice<T> & { checked?: boolean })[]; validate?: Validate<readonly T[]> }): Promise<T[]>;
  confirm(o: { message: string; default?: boolean }): Promise<boolean>;
  number(o: { message: string; default?: number; validate?: Validate<number | undefined> }): Promise<number>;
  /** Prints a line of the session: a step heading, guidance, a gate failure. */
  say(text: string): void;
}
