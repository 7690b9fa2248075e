import {
  AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { commandName } from './memory-aws';

type Item = Record<string, AttributeValue>;
type Names = Record<string, string> | undefined;
type Values = Record<string, AttributeValue> | undefined;

/** DynamoDB's answer to a request it cannot accept (the SDK surfaces it with this name). */
class ValidationException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationException';
  }
}

/**
 * The dedupe table of `serve`, in memory: the item commands DynamoDB answers
 * (PutItem, GetItem, UpdateItem, DeleteItem) with DynamoDB's conditional semantics. Condition and
 * update expressions are evaluated, not pattern-matched, so a change to the dedupe protocol keeps
 * working here or fails loudly (an expression this subset does not know is a ValidationException,
 * never a silent "true"). The subset: `attribute_exists`/`attribute_not_exists`, the comparisons,
 * AND, OR, NOT and parentheses; `SET a = :v` and `REMOVE a`. Items never expire on their own (neither
 * do they in DynamoDB right away: TTL deletes lazily, which the dedupe conditions already allow for).
 */
export class MemoryDynamoDb {
  private readonly tables = new Map<string, Map<string, Item>>();

  /** @param keyName the partition key of every table (the dedupe table's is `pk`) */
  constructor(private readonly keyName = 'pk') {}

  async send(command: unknown): Promise<unknown> {
    if (command instanceof PutItemCommand) {
      const { TableName, Item: item, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, ReturnValuesOnConditionCheckFailure } = command.input;
      const table = this.table(TableName);
      const key = this.keyOf(item);
      this.check(table.get(key), ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, ReturnValuesOnConditionCheckFailure);
      table.set(key, clone(item ?? {}));
      return {};
    }
    if (command instanceof GetItemCommand) {
      const item = this.table(command.input.TableName).get(this.keyOf(command.input.Key));
      return item ? { Item: clone(item) } : {};
    }
    if (command instanceof UpdateItemCommand) {
      const { TableName, Key, UpdateExpression, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, ReturnValuesOnConditionCheckFailure } = command.input;
      const table = this.table(TableName);
      const key = this.keyOf(Key);
      const old = table.get(key);
      if (!UpdateExpression) throw new ValidationException('UpdateItem needs an UpdateExpression here');
      // Both expressions are read before anything is decided: a malformed one is an error even when the condition fails.
      const used = new Usage();
      const ok = ConditionExpression === undefined || evaluateCondition(ConditionExpression, old ?? {}, ExpressionAttributeNames, ExpressionAttributeValues, used);
      const updated = applyUpdate({ ...clone(old ?? {}), ...clone(Key ?? {}) }, UpdateExpression, ExpressionAttributeNames, ExpressionAttributeValues, used, this.keyName);
      used.requireAllUsed(ExpressionAttributeNames, ExpressionAttributeValues);
      if (!ok) throw conditionFailed(old, ReturnValuesOnConditionCheckFailure);
      table.set(key, updated);
      return {};
    }
    if (command instanceof DeleteItemCommand) {
      const { TableName, Key, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, ReturnValuesOnConditionCheckFailure } = command.input;
      const table = this.table(TableName);
      const key = this.keyOf(Key);
      this.check(table.get(key), ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, ReturnValuesOnConditionCheckFailure);
      table.delete(key);
      return {};
    }
    throw new Error(`serve's in-memory DynamoDB does not implement ${commandName(command)} (cli/local/memory-dynamodb.ts)`);
  }

  private table(name: string | undefined): Map<string, Item> {
    if (!name) throw new ValidationException('TableName is required');
    let table = this.tables.get(name);
    if (!table) this.tables.set(name, (table = new Map()));
    return table;
  }

  private keyOf(item: Item | undefined): string {
    const value = item?.[this.keyName]?.S;
    if (value === undefined) throw new ValidationException(`The item or key must have the partition key ${this.keyName} as a string`);
    return value;
  }

  /** Throws ConditionalCheckFailedException (with the old item when asked) when the condition is false. */
  private check(old: Item | undefined, expression: string | undefined, names: Names, values: Values, returnOld: string | undefined): void {
    if (expression === undefined) return;
    const used = new Usage();
    const ok = evaluateCondition(expression, old ?? {}, names, values, used);
    used.requireAllUsed(names, values);
    if (!ok) throw conditionFailed(old, returnOld);
  }
}

function conditionFailed(old: Item | undefined, returnOld: string | undefined): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(returnOld === 'ALL_OLD' && old ? { Item: clone(old) } : {}),
  });
}

/** Which expression attribute names and values an expression used: DynamoDB refuses unused ones. */
class Usage {
  readonly names = new Set<string>();
  readonly values = new Set<string>();

  requireAllUsed(names: Names, values: Values): void {
    const unusedName = Object.keys(names ?? {}).find((n) => !this.names.has(n));
    if (unusedName) throw new ValidationException(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedName}}`);
    const unusedValue = Object.keys(values ?? {}).find((v) => !this.values.has(v));
    if (unusedValue) throw new ValidationException(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValue}}`);
  }
}

const TOKEN = /\s*(<>|<=|>=|[=<>(),]|[#:]?[A-Za-z_][A-Za-z0-9_]*)/y;

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    if (/^\s*$/.test(expression.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(expression);
    if (!match) throw new ValidationException(`Invalid expression: unexpected text at ${start}: ${JSON.stringify(expression.slice(start, start + 20))}`);
    tokens.push(match[1]);
  }
  return tokens;
}

type Operand = { kind: 'path'; name: string } | { kind: 'value'; value: AttributeValue };

/** A recursive-descent reader of condition expressions over one item. */
class ConditionReader {
  private at = 0;
  private readonly tokens: string[];

  constructor(
    expression: string,
    private readonly item: Item,
    private readonly names: Names,
    private readonly values: Values,
    private readonly used: Usage,
  ) {
    this.tokens = tokenize(expression);
  }

  read(): boolean {
    const result = this.or();
    if (this.at < this.tokens.length) throw new ValidationException(`Invalid condition expression: unexpected ${this.tokens[this.at]}`);
    return result;
  }

  // Every branch is read (never short-circuited), so a syntax error anywhere is always reported.
  private or(): boolean {
    let result = this.and();
    while (this.peekWord('OR')) {
      this.at++;
      result = this.and() || result;
    }
    return result;
  }

  private and(): boolean {
    let result = this.not();
    while (this.peekWord('AND')) {
      this.at++;
      result = this.not() && result;
    }
    return result;
  }

  private not(): boolean {
    if (this.peekWord('NOT')) {
      this.at++;
      return !this.not();
    }
    return this.primary();
  }

  private primary(): boolean {
    const token = this.next();
    if (token === '(') {
      const result = this.or();
      this.expect(')');
      return result;
    }
    const fn = token.toLowerCase();
    if ((fn === 'attribute_exists' || fn === 'attribute_not_exists') && this.tokens[this.at] === '(') {
      this.at++;
      const operand = this.operand(this.next());
      this.expect(')');
      if (operand.kind !== 'path') throw new ValidationException(`Invalid condition expression: ${fn} takes an attribute name`);
      const exists = this.item[operand.name] !== undefined;
      return fn === 'attribute_exists' ? exists : !exists;
    }
    const left = this.operand(token);
    const comparator = this.next();
    if (!['=', '<>', '<', '<=', '>', '>='].includes(comparator)) throw new ValidationException(`Invalid condition expression: unsupported operator ${comparator}`);
    const right = this.operand(this.next());
    return compare(this.resolve(left), comparator, this.resolve(right));
  }

  private operand(token: string): Operand {
    if (token.startsWith(':')) {
      const value = this.values?.[token];
      if (!value) throw new ValidationException(`An expression attribute value used in expression is not defined; attribute value: ${token}`);
      this.used.values.add(token);
      return { kind: 'value', value };
    }
    return { kind: 'path', name: attributeName(token, this.names, this.used) };
  }

  private resolve(operand: Operand): AttributeValue | undefined {
    return operand.kind === 'value' ? operand.value : this.item[operand.name];
  }

  private peekWord(word: string): boolean {
    return this.tokens[this.at]?.toUpperCase() === word;
  }

  private next(): string {
    const token = this.tokens[this.at++];
    if (token === undefined) throw new ValidationException('Invalid condition expression: it ends too early');
    return token;
  }

  private expect(token: string): void {
    if (this.next() !== token) throw new ValidationException(`Invalid condition expression: expected ${token}`);
  }
}

function attributeName(token: string, names: Names, used: Usage): string {
  if (!token.startsWith('#')) {
    if (!/^[A-Za-z_]/.test(token)) throw new ValidationException(`Invalid expression: unexpected ${JSON.stringify(token)}`);
    return token;
  }
  const name = names?.[token];
  if (name === undefined) throw new ValidationException(`An expression attribute name used in the document path is not defined; attribute name: ${token}`);
  used.names.add(token);
  return name;
}

function evaluateCondition(expression: string, item: Item, names: Names, values: Values, used = new Usage()): boolean {
  return new ConditionReader(expression, item, names, values, used).read();
}

/**
 * DynamoDB's comparison: numbers as numbers, strings and binaries by their bytes; an absent attribute
 * or two values of different types compare false (never an error).
 */
function compare(left: AttributeValue | undefined, operator: string, right: AttributeValue | undefined): boolean {
  if (!left || !right) return false;
  let order: number;
  if (left.N !== undefined && right.N !== undefined) order = Math.sign(Number(left.N) - Number(right.N));
  else if (left.S !== undefined && right.S !== undefined) order = Buffer.compare(Buffer.from(left.S), Buffer.from(right.S));
  else if (left.B !== undefined && right.B !== undefined) order = Buffer.compare(Buffer.from(left.B), Buffer.from(right.B));
  else if (left.BOOL !== undefined && right.BOOL !== undefined && (operator === '=' || operator === '<>')) order = left.BOOL === right.BOOL ? 0 : 1;
  else return false;
  switch (operator) {
    case '=':
      return order === 0;
    case '<>':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    default:
      return order >= 0;
  }
}

/** `SET a = :v, #b = :w REMOVE c, d`: the clauses the dedupe protocol uses. */
function applyUpdate(item: Item, expression: string, names: Names, values: Values, used: Usage, keyName: string): Item {
  const tokens = tokenize(expression);
  let at = 0;
  const seen = new Set<string>();
  while (at < tokens.length) {
    const clause = tokens[at++].toUpperCase();
    if (clause !== 'SET' && clause !== 'REMOVE') throw new ValidationException(`Invalid UpdateExpression: serve's in-memory DynamoDB supports SET and REMOVE, not ${clause}`);
    if (seen.has(clause)) throw new ValidationException(`Invalid UpdateExpression: the ${clause} clause appears twice`);
    seen.add(clause);
    do {
      const name = attributeName(tokens[at++] ?? '', names, used);
      if (name === keyName) throw new ValidationException(`Cannot update attribute ${keyName}. This attribute is part of the key`);
      if (clause === 'SET') {
        if (tokens[at++] !== '=') throw new ValidationException('Invalid UpdateExpression: expected = after the attribute');
        const token = tokens[at++] ?? '';
        if (!token.startsWith(':')) throw new ValidationException(`Invalid UpdateExpression: serve's in-memory DynamoDB sets only values (:name), not ${token}`);
        const value = values?.[token];
        if (!value) throw new ValidationException(`An expression attribute value used in expression is not defined; attribute value: ${token}`);
        used.values.add(token);
        item[name] = clone(value);
      } else {
        delete item[name];
      }
    } while (tokens[at] === ',' && ++at);
  }
  return item;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

