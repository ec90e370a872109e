import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Parser from 'tree-sitter';
import { bicepDir, parseBicep, syntaxProblems } from './bicep-model';

/**
 * Evaluates a deployment the way Azure Resource Manager would, far enough for tests: the
 * parameter file (with the operator's environment for `readEnvironmentVariable`), main.bicep's
 * variables, every module called with its parameters, and each declared resource's body. What
 * only exists once deployed (a module's outputs, a resource's runtime properties) comes from
 * the caller's `runtime` answer, so a test decides what "the deployed endpoint" is (a loopback
 * stand-in). Unknown functions and unknown names fail loudly rather than guess.
 */

type SyntaxNode = Parser.SyntaxNode;

/** A resource as a value: what `storage.id` or `scope: storage` evaluates to. */
export interface ResourceRef {
  kind: 'resource';
  file: string;
  symbol: string;
  type: string;
  name: string;
  id: string;
}

export interface EvaluatedResource {
  file: string;
  symbol: string;
  type: string;
  existing: boolean;
  /** One body per loop iteration (one for a plain declaration). */
  bodies: Record<string, unknown>[];
}

export interface RuntimeValues {
  /** `module.outputs.name` of a module declared in main.bicep (deployed values). */
  moduleOutput(module: string, output: string): unknown;
}

export interface Deployment {
  params: Record<string, unknown>;
  /** main.bicep's variables, evaluated. */
  vars: Record<string, unknown>;
  resources: EvaluatedResource[];
  /** Environment variables the parameter file read. */
  environmentRead: string[];
}

export class BicepEvaluationError extends Error {
  override name = 'BicepEvaluationError';
}

const subscriptionId = '00000000-0000-0000-0000-00000000beef';
const resourceGroupName = 'rg-shop-test';

function named(node: SyntaxNode): SyntaxNode[] {
  return node.namedChildren.filter((child) => child.type !== 'comment');
}

interface Scope {
  file: string;
  lookup(name: string): unknown;
}

class FileEvaluator {
  readonly declarations = new Map<string, SyntaxNode>();
  private readonly values = new Map<string, unknown>();
  private readonly resources = new Map<string, { type: string; existing: boolean; node: SyntaxNode }>();
  private readonly moduleSymbols = new Set<string>();

  constructor(
    readonly file: string,
    readonly tree: Parser.Tree,
    private readonly params: Record<string, unknown>,
    private readonly runtime: RuntimeValues | undefined,
    private readonly functions: (name: string, args: unknown[]) => unknown,
  ) {
    for (const node of named(tree.rootNode)) {
      const [name] = named(node);
      if (node.type === 'variable_declaration') this.declarations.set(name!.text, node);
      if (node.type === 'parameter_declaration') this.declarations.set(name!.text, node);
      if (node.type === 'module_declaration') this.moduleSymbols.add(name!.text);
      if (node.type === 'resource_declaration') {
        const [, typeNode] = named(node);
        const type = typeNode!.text.slice(1, -1).split('@')[0]!;
        const existing = node.children.some((child) => child.type === 'existing');
        this.resources.set(name!.text, { type, existing, node });
      }
    }
  }

  value(name: string): unknown {
    if (this.values.has(name)) return this.values.get(name);
    let result: unknown;
    const declaration = this.declarations.get(name);
    if (declaration?.type === 'parameter_declaration') {
      if (name in this.params) result = this.params[name];
      else {
        const [, , defaultValue] = named(declaration);
        if (!defaultValue) throw new BicepEvaluationError(`${this.file}: parameter ${name} has no value`);
        result = this.evaluate(defaultValue, this.rootScope());
      }
    } else if (declaration) {
      result = this.evaluate(named(declaration)[1]!, this.rootScope());
    } else if (this.resources.has(name)) {
      result = this.resourceRef(name);
    } else if (this.moduleSymbols.has(name)) {
      // A module as a value (`dependsOn: [roles]`): only its name is known before deploying.
      result = { kind: 'module', symbol: name };
    } else {
      throw new BicepEvaluationError(`${this.file}: unknown name '${name}'`);
    }
    this.values.set(name, result);
    return result;
  }

  rootScope(): Scope {
    return { file: this.file, lookup: (name) => this.value(name) };
  }

  resourceRef(symbol: string): ResourceRef {
    const resource = this.resources.get(symbol)!;
    let body = named(resource.node).at(-1)!;
    // `= if (condition) {...}`: the name is in the object inside.
    if (body.type === 'if_statement') body = named(body).find((child) => child.type === 'object')!;
    const nameNode = named(body).find(
      (property) => property.type === 'object_property' && named(property)[0]!.text === 'name',
    );
    const name = nameNode ? String(this.evaluate(named(nameNode)[1]!, this.rootScope())) : symbol;
    return {
      kind: 'resource',
      file: this.file,
      symbol,
      type: resource.type,
      name,
      id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/${resource.type}/${name}`,
    };
  }

  declaredResources(): EvaluatedResource[] {
    return [...this.resources].map(([symbol, resource]) => {
      const bodyNode = named(resource.node).at(-1)!;
      let bodies: Record<string, unknown>[];
      if (bodyNode.type === 'for_statement') {
        bodies = this.evaluate(bodyNode, this.rootScope()) as Record<string, unknown>[];
      } else if (bodyNode.type === 'if_statement') {
        const [condition, body] = named(bodyNode);
        bodies = this.evaluate(condition!, this.rootScope())
          ? [this.evaluate(body!, this.rootScope()) as Record<string, unknown>]
          : [];
      } else {
        bodies = [this.evaluate(bodyNode, this.rootScope()) as Record<string, unknown>];
      }
      return { file: this.file, symbol, type: resource.type, existing: resource.existing, bodies };
    });
  }

  evaluate(node: SyntaxNode, scope: Scope): unknown {
    switch (node.type) {
      case 'string':
        return this.stringValue(node, scope);
      case 'number':
        return Number(node.text);
      case 'boolean':
        return node.text === 'true';
      case 'null':
        return null;
      case 'parenthesized_expression':
        return this.evaluate(named(node)[0]!, scope);
      case 'array':
        return this.arrayItems(named(node), scope);
      case 'object': {
        const result: Record<string, unknown> = {};
        for (const property of named(node)) {
          if (property.type !== 'object_property') continue;
          const [key, value] = named(property);
          const name = key!.type === 'string' ? String(this.stringValue(key!, scope)) : key!.text;
          result[name] = this.evaluate(value!, scope);
        }
        return result;
      }
      case 'identifier':
        return scope.lookup(node.text);
      case 'ternary_expression': {
        const [condition, whenTrue, whenFalse] = named(node);
        return this.evaluate(condition!, scope)
          ? this.evaluate(whenTrue!, scope)
          : this.evaluate(whenFalse!, scope);
      }
      case 'unary_expression': {
        const operand = this.evaluate(named(node)[0]!, scope);
        if (node.text.startsWith('!')) return !operand;
        if (node.text.startsWith('-')) return -Number(operand);
        throw new BicepEvaluationError(`${this.file}: unsupported unary ${node.text}`);
      }
      case 'binary_expression':
        return this.binary(node, scope);
      case 'member_expression':
        return this.member(node, scope);
      case 'subscript_expression': {
        const [target, index] = named(node);
        const value = this.evaluate(target!, scope) as Record<string | number, unknown>;
        return value[this.evaluate(index!, scope) as string | number];
      }
      case 'call_expression': {
        const [callee, argumentsNode] = named(node);
        const args = named(argumentsNode!).map((argument) => this.evaluate(argument, scope));
        return this.functions(callee!.text, args);
      }
      case 'for_statement':
        return this.forLoop(node, scope);
      default:
        throw new BicepEvaluationError(
          `${this.file}: cannot evaluate ${node.type}: ${node.text.slice(0, 80)}`,
        );
    }
  }

  /**
   * tree-sitter-bicep 1.1 splits `f().x` on its own line in an array into two items, `f` and
   * `().x`; join them back into the call they are.
   */
  private arrayItems(items: SyntaxNode[], scope: Scope): unknown[] {
    const values: unknown[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const next = items[i + 1];
      const callTail = next?.type === 'member_expression' && named(next)[0]?.text === '()';
      if (item.type === 'identifier' && (callTail || next?.text === '()')) {
        let value = this.functions(item.text, []);
        if (callTail) value = (value as Record<string, unknown>)[named(next!)[1]!.text];
        values.push(value);
        i++;
        continue;
      }
      values.push(this.evaluate(item, scope));
    }
    return values;
  }

  private stringValue(node: SyntaxNode, scope: Scope): string {
    if (node.text.startsWith("'''")) return node.text.slice(3, -3);
    let result = '';
    for (const part of named(node)) {
      if (part.type === 'string_content') result += part.text;
      else if (part.type === 'escape_sequence') result += unescapeSequence(part.text);
      else if (part.type === 'interpolation') result += String(this.evaluate(named(part)[0]!, scope));
    }
    return result;
  }

  private binary(node: SyntaxNode, scope: Scope, rightMember?: (right: SyntaxNode) => unknown): unknown {
    const [left, right] = named(node);
    const operator = node.children.find((child) => !child.isNamed)?.text;
    const evaluateRight = () => (rightMember ? rightMember(right!) : this.evaluate(right!, scope));
    const a = this.evaluate(left!, scope) as never;
    if (operator === '&&') return a && evaluateRight();
    if (operator === '||') return a || evaluateRight();
    if (operator === '??') return a ?? evaluateRight();
    const b = evaluateRight() as never;
    switch (operator) {
      case '+':
        return (a as number) + (b as number);
      case '-':
        return (a as number) - (b as number);
      case '*':
        return (a as number) * (b as number);
      case '/':
        return Math.trunc((a as number) / (b as number));
      case '%':
        return (a as number) % (b as number);
      case '==':
        return a === b;
      case '!=':
        return a !== b;
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      case '>':
        return a > b;
      case '>=':
        return a >= b;
      default:
        throw new BicepEvaluationError(`${this.file}: unsupported operator ${operator}`);
    }
  }

  private member(node: SyntaxNode, scope: Scope): unknown {
    const [target, property] = named(node);
    // tree-sitter-bicep 1.1 parses `a.b + c.d` as `(a.b + c).d`: member access binds tighter
    // than any operator, so move the access onto the operator's right operand.
    if (target!.type === 'binary_expression') {
      return this.binary(target!, scope, (right) => this.access(right, property!.text, node.text, scope));
    }
    return this.access(target!, property!.text, node.text, scope);
  }

  private access(target: SyntaxNode, name: string, text: string, scope: Scope): unknown {
    if (target.type === 'binary_expression') {
      return this.binary(target, scope, (right) => this.access(right, name, text, scope));
    }
    const node = { text };
    // module.outputs.x: only Azure knows after deploying; the caller answers.
    if (target.type === 'member_expression') {
      const [moduleNode, outputs] = named(target);
      if (
        moduleNode!.type === 'identifier' &&
        outputs!.text === 'outputs' &&
        this.moduleSymbols.has(moduleNode!.text)
      ) {
        if (!this.runtime) throw new BicepEvaluationError(`${this.file}: no runtime values for ${node.text}`);
        return this.runtime.moduleOutput(moduleNode!.text, name);
      }
    }
    const value = this.evaluate(target, scope);
    if (isResourceRef(value)) {
      if (name === 'id' || name === 'name' || name === 'type') return value[name];
      // A runtime property (identity.principalId, properties.hostName...): a recognisable token.
      return runtimeProperty(value, [name]);
    }
    if (isRuntimeProperty(value)) return runtimeProperty(value.resource, [...value.path, name]);
    if (value === null || typeof value !== 'object')
      throw new BicepEvaluationError(`${this.file}: ${node.text} reads '${name}' of ${String(value)}`);
    return (value as Record<string, unknown>)[name];
  }

  private forLoop(node: SyntaxNode, scope: Scope): unknown[] {
    const parts = named(node);
    const body = parts.at(-1)!;
    const source = parts.at(-2)!;
    const variables = parts.slice(0, -2);
    // `for x in xs:` or `for (x, i) in xs:`
    const names = variables.flatMap((variable) =>
      variable.type === 'identifier' ? [variable.text] : named(variable).map((n) => n.text),
    );
    const items = this.evaluate(source, scope) as unknown[];
    if (!Array.isArray(items)) throw new BicepEvaluationError(`${this.file}: loop over a non-array`);
    const results: unknown[] = [];
    items.forEach((item, index) => {
      const inner: Scope = {
        file: this.file,
        lookup: (name) => {
          if (name === names[0]) return item;
          if (name === names[1]) return index;
          return scope.lookup(name);
        },
      };
      if (body.type === 'if_statement') {
        const [condition, then] = named(body);
        if (this.evaluate(condition!, inner)) results.push(this.evaluate(then!, inner));
      } else {
        results.push(this.evaluate(body, inner));
      }
    });
    return results;
  }
}

function unescapeSequence(sequence: string): string {
  const map: Record<string, string> = {
    "\\'": "'",
    '\\\\': '\\',
    '\\n': '\n',
    '\\r': '\r',
    '\\t': '\t',
    '\\$': '$',
  };
  return map[sequence] ?? sequence;
}

export function isResourceRef(value: unknown): value is ResourceRef {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'resource';
}

interface RuntimeProperty {
  kind: 'runtime';
  resource: ResourceRef;
  path: string[];
  toString(): string;
}

function runtimeProperty(resource: ResourceRef, propertyPath: string[]): RuntimeProperty {
  return {
    kind: 'runtime',
    resource,
    path: propertyPath,
    toString: () => `<${resource.symbol}.${propertyPath.join('.')}>`,
  };
}

function isRuntimeProperty(value: unknown): value is RuntimeProperty {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'runtime';
}

/** Bicep's built-in functions that the templates use, as ARM evaluates them. */
function builtIns(file: string, env: Record<string, string>, read: Set<string>) {
  return (name: string, args: unknown[]): unknown => {
    switch (name) {
      case 'readEnvironmentVariable': {
        const [variable, fallback] = args as [string, string | undefined];
        read.add(variable);
        const value = env[variable] ?? fallback;
        if (value === undefined)
          throw new BicepEvaluationError(`${file}: environment variable ${variable} is not set`);
        return value;
      }
      case 'resourceGroup':
        return {
          id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}`,
          name: resourceGroupName,
          location: 'westeurope',
        };
      case 'subscription':
        return { id: `/subscriptions/${subscriptionId}`, subscriptionId };
      case 'tenant':
        return { tenantId: '11111111-2222-3333-4444-555555555555' };
      case 'uniqueString':
        return createHash('sha256').update(args.map(String).join('|')).digest('hex').slice(0, 13);
      case 'guid': {
        const hex = createHash('sha256').update(args.map(String).join('|')).digest('hex');
        return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
      }
      case 'subscriptionResourceId':
      case 'resourceId':
      case 'tenantResourceId': {
        const [type, ...names] = args as string[];
        const scope = name === 'tenantResourceId' ? '' : `/subscriptions/${subscriptionId}`;
        return `${scope}/providers/${type}/${names.join('/')}`;
      }
      case 'loadTextContent':
        return readFileSync(path.join(bicepDir, path.dirname(file), String(args[0])), 'utf8');
      case 'loadJsonContent':
        return JSON.parse(readFileSync(path.join(bicepDir, path.dirname(file), String(args[0])), 'utf8'));
      case 'max':
        return Math.max(...(args.length === 1 && Array.isArray(args[0]) ? args[0] : args).map(Number));
      case 'min':
        return Math.min(...(args.length === 1 && Array.isArray(args[0]) ? args[0] : args).map(Number));
      case 'concat':
        return args.every(Array.isArray) ? args.flat() : args.map(String).join('');
      case 'empty': {
        const [value] = args;
        if (value === null || value === undefined || value === '') return true;
        if (Array.isArray(value)) return value.length === 0;
        if (typeof value === 'object') return Object.keys(value).length === 0;
        return false;
      }
      case 'length':
        return Array.isArray(args[0]) ? args[0].length : String(args[0]).length;
      case 'contains': {
        const [container, item] = args;
        if (Array.isArray(container)) return container.includes(item);
        if (typeof container === 'string') return container.includes(String(item));
        return Object.hasOwn(container as object, String(item));
      }
      case 'json':
        return JSON.parse(String(args[0]));
      case 'startsWith':
        return String(args[0]).toLowerCase().startsWith(String(args[1]).toLowerCase());
      case 'endsWith':
        return String(args[0]).toLowerCase().endsWith(String(args[1]).toLowerCase());
      case 'format':
        return String(args[0]).replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i) + 1]));
      case 'first':
        return Array.isArray(args[0]) ? args[0][0] : String(args[0])[0];
      case 'last':
        return Array.isArray(args[0]) ? args[0].at(-1) : String(args[0]).at(-1);
      case 'toLower':
        return String(args[0]).toLowerCase();
      case 'toUpper':
        return String(args[0]).toUpperCase();
      case 'string':
        return typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]);
      case 'int':
        return Number.parseInt(String(args[0]), 10);
      case 'bool':
        return args[0] === true || args[0] === 'true';
      case 'items':
        return Object.entries(args[0] as object).map(([key, value]) => ({ key, value }));
      case 'union':
        return Object.assign({}, ...(args as object[]));
      case 'split':
        return String(args[0]).split(String(args[1]));
      case 'replace':
        return String(args[0]).replaceAll(String(args[1]), String(args[2]));
      case 'take':
        return Array.isArray(args[0])
          ? args[0].slice(0, Number(args[1]))
          : String(args[0]).slice(0, Number(args[1]));
      case 'environment':
        return { suffixes: { sqlServerHostname: '.database.windows.net', storage: 'core.windows.net' } };
      default:
        throw new BicepEvaluationError(`${file}: the evaluator does not know the function ${name}()`);
    }
  };
}

function loadTree(file: string): Parser.Tree {
  const tree = parseBicep(readFileSync(path.join(bicepDir, file), 'utf8'));
  const problems = syntaxProblems(tree);
  if (problems.length > 0) throw new BicepEvaluationError(`${file}: ${problems.join('; ')}`);
  return tree;
}

/** The values a `.bicepparam` file gives, with `readEnvironmentVariable` answered from `env`. */
export function evaluateParamFile(
  file: string,
  env: Record<string, string>,
): { params: Record<string, unknown>; environmentRead: string[] } {
  const source = readFileSync(path.join(bicepDir, file), 'utf8');
  // tree-sitter-bicep has no .bicepparam grammar: `param x = v` reads as `var x = v`.
  const asVars = source.replace(/^using\s+'[^']+'/m, '').replace(/^param\s+/gm, 'var ');
  const tree = parseBicep(asVars);
  const read = new Set<string>();
  const evaluator = new FileEvaluator(file, tree, {}, undefined, builtIns('main.bicep', env, read));
  const params: Record<string, unknown> = {};
  for (const name of evaluator.declarations.keys()) params[name] = evaluator.value(name);
  return { params, environmentRead: [...read].sort() };
}

/** Evaluates main.bicep and every module it calls for one parameter file. */
export function evaluateDeployment(
  paramFile: string,
  env: Record<string, string>,
  runtime: RuntimeValues,
): Deployment {
  const { params, environmentRead } = evaluateParamFile(paramFile, env);
  const read = new Set<string>();
  const main = new FileEvaluator(
    'main.bicep',
    loadTree('main.bicep'),
    params,
    runtime,
    builtIns('main.bicep', env, read),
  );
  const vars: Record<string, unknown> = {};
  const resources: EvaluatedResource[] = [...main.declaredResources()];
  for (const node of named(main.tree.rootNode)) {
    if (node.type === 'variable_declaration') {
      const name = named(node)[0]!.text;
      vars[name] = main.value(name);
    }
    if (node.type !== 'module_declaration') continue;
    const [, modulePath, declared] = named(node);
    const file = modulePath!.text.slice(1, -1);
    let bodyNode = declared!;
    // `module x '...' = if (condition) {...}`: a module whose condition is false deploys nothing.
    if (bodyNode.type === 'if_statement') {
      const [condition, body] = named(bodyNode);
      if (!main.evaluate(condition!, main.rootScope())) continue;
      bodyNode = body!;
    }
    const moduleBody = main.evaluate(bodyNode, main.rootScope()) as { params?: Record<string, unknown> };
    const module = new FileEvaluator(
      file,
      loadTree(file),
      moduleBody.params ?? {},
      undefined,
      builtIns(file, env, read),
    );
    resources.push(...module.declaredResources());
  }
  const evaluatedParams: Record<string, unknown> = {};
  for (const [name, declaration] of main.declarations)
    if (declaration.type === 'parameter_declaration') evaluatedParams[name] = main.value(name);
  return { params: evaluatedParams, vars, resources, environmentRead };
}
