import { LineCounter, isAlias, isMap, parseDocument, visit, type Node } from 'yaml';
import { CliError } from './output.js';

/** The first line of a YAML error, without the position the message repeats ("… at line 2, column 16:"). */
const firstLine = (message: string) => (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');

/**
 * A YAML config file's content: one mapping, as plain values. A syntax error, a second document,
 * an unresolved alias or a top level that is not a mapping fails in one line naming the file and
 * the line (`tessera.yaml:3:5: …`), never with a stack trace.
 */
export function parseYamlConfig(path: string, text: string): Record<string, unknown> {
  const lines = new LineCounter();
  // Duplicate keys are errors, so no setting is given twice with one silently winning.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `${path}:${line}:${col}`;
  };
  const error = doc.errors[0];
  if (error) throw new CliError(`${at(error.pos[0])}: not valid YAML: ${firstLine(error.message)}`);
  const top = doc.contents;
  if (top === null) throw new CliError(`${path}:1:1: the file holds no settings; it must be a mapping such as 'lifetimes:' with durations under it`);
  if (!isMap(top)) throw new CliError(`${at((top as Node).range?.[0] ?? 0)}: the top level must be a mapping of settings (such as 'lifetimes:'), not a ${isAlias(top) ? 'alias' : 'list or a single value'}`);
  let unresolved: Node | undefined;
  visit(doc, {
    Alias(_key, alias) {
      if (unresolved === undefined && alias.resolve(doc) === undefined) unresolved = alias;
    },
  });
  if (unresolved) throw new CliError(`${at(unresolved.range?.[0] ?? 0)}: not valid YAML: an alias names an anchor that is not set before it`);
  try {
    // Aliases are capped, so a small file cannot expand into a huge one.
    return doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (e) {
    throw new CliError(`${path}: not valid YAML: ${firstLine((e as Error).message)}`);
  }
}
