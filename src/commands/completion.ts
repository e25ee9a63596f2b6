// Completion scripts generated from the command tree itself, so they never fall out of date.
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import type { Context } from '../context.js';
import { buildProgram } from '../program.js';

interface Node {
  path: string[];
  subcommands: string[];
  options: string[];
}

function walk(command: Command, path: string[] = []): Node[] {
  const subs = command.commands.map((c) => c.name());
  const options = command.options.map((o) => o.long).filter((o): o is string => Boolean(o));
  const nodes: Node[] = [{ path, subcommands: subs, options }];
  for (const c of command.commands) nodes.push(...walk(c, [...path, c.name()]));
  return nodes;
}

export function run(ctx: Context, [shell]: ['bash' | 'zsh' | 'fish']): void {
  const program = buildProgram();
  const nodes = walk(program);
  const globals = nodes[0]!.options;
  if (shell === 'fish') {
    const lines = ['# playbook completion for fish', 'complete -c playbook -f'];
    for (const n of nodes) {
      const cond = n.path.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${n.path[n.path.length - 1]}`;
      for (const s of n.subcommands) lines.push(`complete -c playbook -n '${cond}' -a ${s}`);
      // The program's own options are the global ones, offered everywhere below.
      if (n.path.length > 0) for (const o of n.options) lines.push(`complete -c playbook -n '${cond}' -l ${o.slice(2)}`);
    }
    for (const o of globals) lines.push(`complete -c playbook -l ${o.slice(2)}`);
    ctx.print(lines.join('\n'));
    return;
  }
  const cases = nodes
    .map((n) => `    "${n.path.join(' ')}") words="${[...new Set([...n.subcommands, ...n.options, ...globals])].join(' ')}" ;;`)
    .join('\n');
  const body = `_playbook_complete() {
  local cur path="" w i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    case " $(_playbook_words "$path") " in *" $w "*) path="\${path:+$path }$w" ;; esac
  done
  COMPREPLY=($(compgen -W "$(_playbook_words "$path")" -- "$cur"))
}
_playbook_words() {
  local words=""
  case "$1" in
${cases}
  esac
  echo "$words"
}`;
  if (shell === 'bash') {
    ctx.print(`# playbook completion for bash\n${body}\ncomplete -F _playbook_complete playbook`);
  } else {
    ctx.print(`#compdef playbook\n# playbook completion for zsh\nautoload -U +X bashcompinit && bashcompinit\n${body}\ncomplete -F _playbook_complete playbook`);
  }
}
