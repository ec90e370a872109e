import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Parser from 'tree-sitter';
import Bicep from 'tree-sitter-bicep';

/**
 * A small read-only model of the Bicep files, from tree-sitter's syntax tree: what the
 * tests inspect without a Bicep compiler (none can be installed here). Literals become JS
 * values; anything computed stays as `{ expr: '<source text>' }`.
 */

type SyntaxNode = Parser.SyntaxNode;

export type BicepValue =
  | string
  | number
  | boolean
  | null
  | BicepValue[]
  | { [key: string]: BicepValue }
  | { expr: string };

export interface BicepResource {
  file: string;
  symbol: string;
  /** e.g. `Microsoft.ServiceBus/namespaces/topics/subscriptions` (no api version). */
  type: string;
  apiVersion: string;
  existing: boolean;
  /** True when declared with a `for` loop; `body` is then the loop body. */
  loop: boolean;
  body: Record<string, BicepValue>;
}

export interface BicepFile {
  file: string;
  source: string;
  tree: Parser.Tree;
  params: Map<string, { type: string; defaultValue: BicepValue | undefined }>;
  vars: Map<string, BicepValue>;
  outputs: Map<string, BicepValue>;
  /** `condition` is the source text of `if (...)` for a conditional module. */
  modules: { symbol: string; path: string; condition?: string; body: Record<string, BicepValue> }[];
  resources: BicepResource[];
}

const parser = new Parser();
// tree-sitter-bicep's bundled typings predate tree-sitter 0.22's Language type.
parser.setLanguage(Bicep as unknown as Parser.Language);

export function parseBicep(source: string): Parser.Tree {
  return parser.parse(source);
}

/** ERROR and MISSING nodes with their line numbers: a syntax check without the compiler. */
export function syntaxProblems(tree: Parser.Tree): string[] {
  const problems: string[] = [];
  const walk = (node: SyntaxNode) => {
    if (node.type === 'ERROR' || node.isMissing) {
      problems.push(
        `${node.isMissing ? 'MISSING' : 'ERROR'} at line ${node.startPosition.row + 1}: ${node.text.slice(0, 60)}`,
      );
    }
    for (const child of node.children) walk(child);
  };
  walk(tree.rootNode);
  return problems;
}

function named(node: SyntaxNode): SyntaxNode[] {
  return node.namedChildren.filter((child) => child.type !== 'comment');
}

function stringText(node: SyntaxNode): string {
  return node.text.startsWith("'''") ? node.text.slice(3, -3) : node.text.slice(1, -1);
}

export function toValue(node: SyntaxNode): BicepValue {
  switch (node.type) {
    case 'string':
      return stringText(node);
    case 'number':
      return Number(node.text);
    case 'boolean':
      return node.text === 'true';
    case 'null':
      return null;
    case 'array':
      return named(node).map(toValue);
    case 'object': {
      const result: Record<string, BicepValue> = {};
      for (const property of named(node)) {
        if (property.type !== 'object_property') continue;
        const [key, value] = named(property);
        if (!key || !value) continue;
        result[key.type === 'string' ? stringText(key) : key.text] = toValue(value);
      }
      return result;
    }
    default:
      return { expr: node.text };
  }
}

export function isExpr(value: BicepValue | undefined): value is { expr: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'expr' in value;
}

function readDeclarations(file: string, source: string): BicepFile {
  const tree = parseBicep(source);
  const model: BicepFile = {
    file,
    source,
    tree,
    params: new Map(),
    vars: new Map(),
    outputs: new Map(),
    modules: [],
    resources: [],
  };
  for (const node of named(tree.rootNode)) {
    const children = named(node);
    if (node.type === 'parameter_declaration') {
      const [name, type, value] = children;
      model.params.set(name!.text, {
        type: type?.text ?? '',
        defaultValue: value ? toValue(value) : undefined,
      });
    } else if (node.type === 'variable_declaration') {
      const [name, value] = children;
      model.vars.set(name!.text, toValue(value!));
    } else if (node.type === 'output_declaration') {
      const [name, , value] = children;
      model.outputs.set(name!.text, value ? toValue(value) : null);
    } else if (node.type === 'module_declaration') {
      const [symbol, modulePath, declared] = children;
      // `= if (condition) {...}`: the body is the object inside.
      const conditional = declared!.type === 'if_statement';
      const body = conditional ? named(declared!).find((child) => child.type === 'object')! : declared!;
      model.modules.push({
        symbol: symbol!.text,
        path: stringText(modulePath!),
        ...(conditional ? { condition: named(declared!)[0]!.text } : {}),
        body: toValue(body) as Record<string, BicepValue>,
      });
    } else if (node.type === 'resource_declaration') {
      const [symbol, typeNode, ...rest] = children;
      const [type, apiVersion] = stringText(typeNode!).split('@') as [string, string];
      const existing = node.children.some((child) => child.type === 'existing');
      let bodyNode = rest[rest.length - 1]!;
      const loop = bodyNode.type === 'for_statement';
      if (loop || bodyNode.type === 'if_statement') {
        // `= [for ...: {...}]` and `= if (condition) {...}`: the body is the object inside.
        bodyNode = named(bodyNode).find((child) => child.type === 'object')!;
      }
      model.resources.push({
        file,
        symbol: symbol!.text,
        type,
        apiVersion,
        existing,
        loop,
        body: toValue(bodyNode) as Record<string, BicepValue>,
      });
    }
  }
  return model;
}

export const bicepDir = path.resolve(__dirname);

/** main.bicep and every module, keyed by path relative to bicep/. */
export function loadBicepFiles(): Map<string, BicepFile> {
  const files = [
    'main.bicep',
    ...readdirSync(path.join(bicepDir, 'modules')).map((name) => `modules/${name}`),
  ];
  return new Map(
    files
      .filter((file) => file.endsWith('.bicep'))
      .map((file) => [file, readDeclarations(file, readFileSync(path.join(bicepDir, file), 'utf8'))]),
  );
}

export interface BicepParamFile {
  using: string;
  params: Map<string, BicepValue>;
  problems: string[];
}

/**
 * tree-sitter-bicep 1.1 has no grammar for `.bicepparam` (`param x = value`), so each
 * `param` is re-read as `var`, whose value grammar is identical.
 */
export function loadParamFile(file: string): BicepParamFile {
  const source = readFileSync(path.join(bicepDir, file), 'utf8');
  const using = /^using\s+'([^']+)'/m.exec(source)?.[1] ?? '';
  const asVars = source.replace(/^using\s+'[^']+'/m, '').replace(/^param\s+/gm, 'var ');
  const tree = parseBicep(asVars);
  const params = new Map<string, BicepValue>();
  for (const node of named(tree.rootNode)) {
    if (node.type !== 'variable_declaration') continue;
    const [name, value] = named(node);
    params.set(name!.text, toValue(value!));
  }
  return { using, params, problems: syntaxProblems(tree) };
}
