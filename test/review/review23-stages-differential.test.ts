/*
 * Review 23 (issue 23, the verifier handler as named stages, commit 44f9135): a DIFFERENTIAL test of
 * the handler before and after the refactor. The claim under test is "behaviour unchanged": the same
 * responses (status, headers, body), audit lines and metrics, dedupe claims, releases and completions,
 * SQS messages (body and attributes), S3 claim-check puts, Secrets Manager reads and capture writes,
 * published-key fetches, the 200 only after the durable send, and the same fail-closed answers.
 *
 * OLD is the handler as it was at a20409b (the 593-line lib/handlers/verifier/verifier.ts with its
 * any-sender.ts and published.ts), kept for this review only in ./fixtures/old-verifier/ (imports
 * re-pointed at today's lib/: the runtime, key cache, telemetry and dedupe.ts are unchanged since).
 * NEW is lib/handlers/verifier/ as it is now, twice: with every stage (any-sender.ts, as tests and the
 * CLI build it) and as each family's Lambda bundle builds it (entries/<family>.ts's factory and
 * optional stages, verifierEntry replaced so that no AWS client is made). All are built with
 * identical fake dependencies that record every call (service, command, input, in order) and answer
 * deterministically: Secrets Manager, SQS, an in-memory DynamoDB dedupe table with DynamoDB's
 * conditional semantics, S3, the published-key fetcher; one fixed clock (test/support/clock.ts);
 * randomUUID a counter per container run (node:crypto mocked below), so request ids, claim tokens and
 * claim-check keys compare exactly; dedupe.ts's back-off sleeps not waited for. The only field
 * normalised is the EMF `_aws.Timestamp` (telemetry reads Date.now()).
 *
 * For every kit of test/support/differential/kits.ts (every scheme type in SCHEME_TYPES, per media
 * type, plus the configured variants), the same scenarios (each a sequence of requests to one
 * container) run on OLD and NEW, and each request's transcript (response, calls, audit lines) must be
 * identical. Then a fast-check property of random changes of a genuine delivery; requests at once to
 * one container; the exported helpers; the start-up guard (every family entry builds the verifier for
 * every scheme type of its bundle, and refuses exactly when a needed stage is missing).
 *
 * A behavioural difference found is a FAILING test named "differs: ..." (a guard gap "guard gap: ..."),
 * kept failing until fixed. REVIEW23_TALLY=<file> writes what the matrix's requests were answered
 * (scenario | step | status | outcome:reason, with counts), to see what it covers.
 */
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import fc from 'fast-check';
import { createVerifierHandler as newAnySender } from '../../lib/handlers/verifier/any-sender';
import { publishedKeys as newPublishedKeys } from '../../lib/handlers/verifier/published';
import * as NEW from '../../lib/handlers/verifier/verifier';
import { verifierPipeline } from '../../lib/handlers/verifier/pipeline';
import { answerGet, answerUnsigned } from '../../lib/handlers/verifier/stages/handshakes';
import { settleWithCall } from '../../lib/handlers/verifier/stages/settle-with-call';
import { signedUrl } from '../../lib/handlers/verifier/stages/signed-url';
import { INLINE_BODY_BYTES } from '../../lib/runtime/body-limits';
import { bundleOf, VERIFIER_FAMILIES } from '../../lib/runtime/schemes/catalogue';
import type { Scheme } from '../../lib/runtime/schemes/scheme';
import { FetchRequest, KeyFetcher, PublishedKeyCache, SchemeConfig, schemeFor, SnsSchemeConfig } from '../../lib/runtime';
import { canonical } from '../../lib/runtime/schemes/senders/sns';
import { createLocalCa } from '../runtime/senders/support/local-ca';
import { DAY, HOUR, SECOND, TEST_NOW, TEST_NOW_S } from '../support/clock';
import { Delivery, Kit, kits, PUBLIC_URL, subjects } from '../support/differential/kits';
import { applyAll, mutations, urlBodyBoundary, urlMutations } from '../support/differential/mutations';
import { exampleConfig } from '../support/example-configs';
import { apiEvent } from '../support/events';
import { createVerifierHandler as oldAnySender } from './fixtures/old-verifier/any-sender';
import { publishedKeys as oldPublishedKeys } from './fixtures/old-verifier/published';
import * as OLD from './fixtures/old-verifier/verifier';

// randomUUID as a counter while a request runs (both trees import it from node:crypto), the real one
// otherwise (signing, key generation).
jest.mock('node:crypto', () => {
  const actual = jest.requireActual('node:crypto');
  const state = { fixed: false, n: 0 };
  return {
    ...actual,
    reviewUuid: state,
    randomUUID: () => (state.fixed ? `00000000-0000-4000-8000-${String(++state.n).padStart(12, '0')}` : actual.randomUUID()),
  };
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const UUID = (require('node:crypto') as { reviewUuid: { fixed: boolean; n: number } }).reviewUuid;

const NEW_STAGES = { answerGet, answerUnsigned, signedUrl, settleWithCall };

const RUNS = Math.max(2, Math.round(Number(process.env.FUZZ_RUNS ?? 6) / 2));
const SEED = process.env.FUZZ_SEED === undefined ? 23 : Number(process.env.FUZZ_SEED);

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhooks/review23/src-AbCdEf';
const CAPTURE_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhooks/review23/_captured/src-AbCdEf';
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/webhooks';
const BUCKET = 'review23-bodies';
const JSON_TYPE = 'application/json';
const FORM = 'application/x-www-form-urlencoded';
const VERIFY_TOKEN = 'review23-verify-token';

/** OLD; NEW with every stage (any-sender.ts, as tests and the CLI build it); NEW as its family's Lambda bundle builds it (entries/<family>.ts's stages). */
type Side = 'old' | 'new' | 'bundle';
type Config = OLD.VerifierConfig;

// ---------------------------------------------------------------------------------------------------
// The fake dependencies: one world per side and scenario.

interface Fault {
  count: number;
  error: () => unknown;
}

interface World {
  clock: number;
  /** AWSCURRENT of SECRET_ARN (undefined: the secret has no such version). */
  secret?: { value?: string; versionId: string; createdMs: number };
  /** AWSPREVIOUS, for imported keys (undefined: none). */
  previous?: string;
  faults: Map<string, Fault>;
  table: Map<string, Record<string, AttributeValue>>;
  messages: number;
  calls: string[];
  lines: string[];
}

const awsError = (name: string, extra: Record<string, unknown> = {}) => () => Object.assign(new Error(`injected ${name}`), { name, $metadata: {}, ...extra });
const notFound = () => new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} });
const conditionFailed = (item?: Record<string, AttributeValue>) => Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', ...(item ? { Item: item } : {}) });

function fail(w: World, at: string, error: () => unknown, count = 1): void {
  w.faults.set(at, { count, error });
}

function takeFault(w: World, at: string): void {
  const fault = w.faults.get(at);
  if (fault && fault.count > 0) {
    fault.count--;
    throw fault.error();
  }
}

/** JSON of anything the verifier hands a client: bytes as their length and SHA-256. */
function ser(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key];
    if (raw instanceof Uint8Array) return { bytes: raw.length, sha256: createHash('sha256').update(raw).digest('hex') };
    return v;
  });
}

function client(w: World, service: string, answer: (op: string, input: Record<string, unknown>) => unknown) {
  return {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const op = command.constructor.name;
      w.calls.push(`${service}:${op} ${ser(command.input)}`);
      takeFault(w, `${service}:${op}`);
      return answer(op, command.input);
    },
  };
}

const str = (v: AttributeValue | undefined) => (v as { S?: string } | undefined)?.S;
const num = (v: AttributeValue | undefined) => Number((v as { N?: string } | undefined)?.N);

/** DynamoDB's conditional writes, as dedupe.ts uses them (its three condition expressions). */
function dynamodbAnswer(w: World) {
  return (op: string, input: Record<string, unknown>) => {
    const key = str((input.Key as Record<string, AttributeValue> | undefined)?.pk ?? (input.Item as Record<string, AttributeValue>).pk)!;
    const values = input.ExpressionAttributeValues as Record<string, AttributeValue>;
    const old = w.table.get(key);
    if (op === 'PutItemCommand') {
      const claimable = !old || num(old.expiresAt) < num(values[':now']) || (str(old.status) === 'IN_PROGRESS' && num(old.lockExpiresAtMs) < num(values[':nowMs']));
      if (!claimable) throw conditionFailed(old);
      w.table.set(key, { ...(input.Item as Record<string, AttributeValue>) });
      return {};
    }
    if (op === 'UpdateItemCommand') {
      if (!old || str(old.claimToken) !== str(values[':token'])) throw conditionFailed();
      const { lockExpiresAtMs: _gone, ...rest } = old;
      w.table.set(key, { ...rest, status: values[':completed'], messageId: values[':messageId'] });
      return {};
    }
    if (op === 'DeleteItemCommand') {
      if (!old || str(old.claimToken) !== str(values[':token']) || str(old.status) !== 'IN_PROGRESS') throw conditionFailed();
      w.table.delete(key);
      return {};
    }
    throw new Error(`unexpected DynamoDB command ${op}`);
  };
}

function secretsAnswer(w: World) {
  return (op: string, input: Record<string, unknown>) => {
    if (op === 'GetSecretValueCommand') {
      if (input.SecretId !== SECRET_ARN) throw notFound();
      if (input.VersionStage === 'AWSPREVIOUS') {
        if (w.previous === undefined) throw notFound();
        return { ARN: SECRET_ARN, SecretString: w.previous, VersionId: 'v-previous', CreatedDate: new Date(TEST_NOW - 30 * DAY) };
      }
      if (!w.secret) throw notFound();
      return { ARN: SECRET_ARN, SecretString: w.secret.value, VersionId: w.secret.versionId, CreatedDate: new Date(w.secret.createdMs) };
    }
    if (op === 'PutSecretValueCommand') return { ARN: input.SecretId, VersionId: input.ClientRequestToken };
    throw new Error(`unexpected Secrets Manager command ${op}`);
  };
}

// ---------------------------------------------------------------------------------------------------
// Scenarios: requests to one container, each with what to arrange in the world before it.

interface Step {
  readonly label: string;
  readonly event: APIGatewayProxyEvent;
  readonly arrange?: (w: World) => void;
}

interface Scenario {
  readonly name: string;
  /** Overrides of the base configuration. */
  readonly config?: Partial<Config>;
  /** The source's secret document (default: the kit's); null: the secret has no AWSCURRENT value. */
  readonly secret?: string | null;
  /** No DynamoDB client even though a table is configured (a start-up refusal). */
  readonly noDynamodb?: true;
  /** The steps sent at once (runConcurrently). */
  readonly concurrent?: true;
  readonly steps: readonly Step[];
}

/** What a scenario runs against: a kit's sender. */
interface Subject {
  readonly name: string;
  readonly config: SchemeConfig;
  /** The scheme to run with instead of the config's (a pinned trust anchor: Apple's). */
  readonly scheme?: Scheme;
  readonly secretDocument?: string;
  readonly fetch?: KeyFetcher;
  /** For the harness's own test: NEW's handler, changed. */
  readonly wrapNew?: (handler: OLD.VerifierHandler) => OLD.VerifierHandler;
}

const BASE: Omit<Config, 'scheme'> = {
  endpoint: 'review23',
  source: 'src',
  queueUrl: QUEUE_URL,
  maxBodyBytes: 65_536,
  cacheTtlMs: 300_000,
  missRefreshIntervalMs: 30_000,
  maxStaleMs: 3_600_000,
  keySource: 'imported',
  graceMs: DAY,
  publicUrl: PUBLIC_URL,
  dedupe: { tableName: 'review23-dedupe', retentionSeconds: 7 * 86400, lockSeconds: 33 },
};

function configOf(subject: Subject, scenario: Scenario): Config {
  return { ...BASE, scheme: subject.config, secretId: subject.secretDocument === undefined ? undefined : SECRET_ARN, ...scenario.config };
}

function build(side: Side, subject: Subject, scenario: Scenario, w: World): OLD.VerifierHandler {
  const config = configOf(subject, scenario);
  const fetch: KeyFetcher | undefined = subject.fetch
    ? async (request: FetchRequest) => {
        w.calls.push(`fetch ${ser(request)}`);
        takeFault(w, 'fetch');
        // SNS's ConfirmSubscription (a settle's call back): answered as SNS answers it.
        if (/[?&]Action=ConfirmSubscription&/.test(request.url)) return { status: 200, body: '<ConfirmSubscriptionResponse/>' };
        return subject.fetch!(request);
      }
    : undefined;
  const deps = {
    sqs: client(w, 'sqs', () => ({ MessageId: `msg-${++w.messages}` })),
    secrets: client(w, 'secrets', secretsAnswer(w)),
    dynamodb: config.dedupe && !scenario.noDynamodb ? client(w, 'dynamodb', dynamodbAnswer(w)) : undefined,
    s3: client(w, 's3', () => ({ ETag: '"e"' })),
    now: () => w.clock,
    write: (line: string) => void w.lines.push(line),
  };
  if (side === 'old') {
    const oldDeps = { ...deps, ...(fetch ? { published: oldPublishedKeys(fetch) } : {}) } as unknown as OLD.VerifierDeps;
    return subject.scheme ? OLD.createFamilyVerifierHandler(() => subject.scheme, config, oldDeps) : oldAnySender(config, oldDeps);
  }
  const newDeps = { ...deps, ...(fetch ? { published: newPublishedKeys(fetch) } : {}) } as unknown as NEW.VerifierDeps;
  if (side === 'bundle') {
    // The family entry's factory and optional stages; its published-key machinery with the recording fetcher.
    const entry = ENTRIES()[bundleOf(subject.config)];
    const published = entry.stages.published ? newPublishedKeys(fetch ?? (async () => ({ status: 404, body: '' }))) : undefined;
    const { published: _given, ...optional } = entry.stages;
    const schemes = subject.scheme ? () => subject.scheme : entry.schemes;
    return verifierPipeline(schemes as never, config, { ...newDeps, published } as NEW.VerifierDeps, optional);
  }
  if (subject.wrapNew) return subject.wrapNew(subject.scheme ? NEW.createFamilyVerifierHandler(() => subject.scheme, config, newDeps) : newAnySender(config, newDeps));
  return subject.scheme ? NEW.createFamilyVerifierHandler(() => subject.scheme, config, newDeps) : newAnySender(config, newDeps);
}

type EntryArgs = { schemes: (c: unknown) => Scheme | undefined; stages: { published?: NEW.VerifierDeps['published'] } & Record<string, unknown> };
let entries: Record<string, EntryArgs> | undefined;

/** Each family entry's arguments to verifierEntry (its Lambda handler is not built: verifierEntry is replaced). */
function ENTRIES(): Record<string, EntryArgs> {
  if (!entries) {
    const found: Record<string, EntryArgs> = {};
    jest.isolateModules(() => {
      jest.doMock('../../lib/handlers/verifier/entry', () => ({ verifierEntry: (schemes: never, stages = {}) => ({ schemes, stages }) }));
      const dir = join(__dirname, '../../lib/handlers/verifier/entries');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      for (const file of readdirSync(dir)) found[file.replace(/\.ts$/, '')] = require(join(dir, file)).handler;
    });
    entries = found;
  }
  return entries;
}

interface StepRecord {
  readonly step: string;
  readonly response: string;
  readonly calls: readonly string[];
  readonly lines: readonly string[];
}

function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e?.name}: ${e?.message}`;
}

/** The audit line as written, but for the EMF timestamp (telemetry reads Date.now()). */
const normalise = (line: string) => line.replace(/"Timestamp":\d+/, '"Timestamp":0');

const REAL_SET_TIMEOUT = globalThis.setTimeout;

async function runSide(side: Side, subject: Subject, scenario: Scenario): Promise<StepRecord[]> {
  const document = scenario.secret === undefined ? subject.secretDocument : scenario.secret;
  const w: World = {
    clock: TEST_NOW,
    secret: document === null || document === undefined ? undefined : { value: document, versionId: 'v-current', createdMs: TEST_NOW - HOUR },
    faults: new Map(),
    table: new Map(),
    messages: 0,
    calls: [],
    lines: [],
  };
  // One counter per container run: each request's ids are new (a claim token is never reused, as
  // dedupe.ts requires), and equal on both sides as long as both draw them alike.
  UUID.n = 0;
  let handler: OLD.VerifierHandler;
  try {
    handler = build(side, subject, scenario, w);
  } catch (error) {
    return [{ step: 'start-up', response: `threw ${describeError(error)}`, calls: [], lines: [] }];
  }
  const out: StepRecord[] = [];
  if (scenario.concurrent) return runConcurrently(handler, scenario, w);
  for (const step of scenario.steps) {
    step.arrange?.(w);
    w.calls = [];
    w.lines = [];
    let response: string;
    UUID.fixed = true;
    // dedupe.ts's back-off between completion attempts (50·2^n ms, a setTimeout) without the wait.
    globalThis.setTimeout = ((fn: () => void) => REAL_SET_TIMEOUT(fn, 0)) as typeof setTimeout;
    try {
      response = ser(await handler(structuredClone(step.event)));
    } catch (error) {
      response = `threw ${describeError(error)}`;
    } finally {
      UUID.fixed = false;
      globalThis.setTimeout = REAL_SET_TIMEOUT;
    }
    out.push({ step: step.label, response, calls: w.calls, lines: w.lines.map(normalise) });
  }
  return out;
}

/**
 * The steps sent at once to one container (as the CLI's `serve` may; a Lambda container takes one at
 * a time): each step's response, then every call and audit line in the order made, then the same sorted.
 */
async function runConcurrently(handler: OLD.VerifierHandler, scenario: Scenario, w: World): Promise<StepRecord[]> {
  for (const step of scenario.steps) step.arrange?.(w);
  w.calls = [];
  w.lines = [];
  UUID.fixed = true;
  const responses = await Promise.all(
    scenario.steps.map((step) =>
      handler(structuredClone(step.event)).then(
        (response) => ser(response),
        (error) => `threw ${describeError(error)}`,
      ),
    ),
  );
  UUID.fixed = false;
  const lines = w.lines.map(normalise);
  return [
    ...scenario.steps.map((step, i) => ({ step: step.label, response: responses[i], calls: [], lines: [] })),
    { step: 'every call and line, in order', response: '', calls: w.calls, lines },
    { step: 'every call and line, sorted', response: '', calls: [...w.calls].sort(), lines: [...lines].sort() },
  ];
}

const TALLY = new Map<string, number>();
function tally(key: string): void {
  if (process.env.REVIEW23_TALLY) TALLY.set(key, (TALLY.get(key) ?? 0) + 1);
}
afterAll(() => {
  if (process.env.REVIEW23_TALLY) writeFileSync(process.env.REVIEW23_TALLY, [...TALLY].sort().map(([k, n]) => `${n}\t${k}`).join('\n'));
});

type Difference = { scenario: string; step: string; old: StepRecord; new: StepRecord };

/** The steps whose transcripts differ, each as OLD and NEW. */
function compare(scenario: string, before: StepRecord[], after: StepRecord[]): Difference[] {
  const out = [];
  if (process.env.REVIEW23_TALLY) for (const r of after) tally(`${scenario} | ${r.step} | ${r.response.slice(0, 200).match(/^threw|"statusCode":\d+/)?.[0]} | ${r.lines.map((l) => (JSON.parse(l) as { reason?: string; outcome?: string }).outcome + ':' + (JSON.parse(l) as { reason?: string }).reason).join(',')}`);
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    if (JSON.stringify(before[i]) !== JSON.stringify(after[i])) out.push({ scenario, step: before[i]?.step ?? after[i]?.step, old: before[i], new: after[i] });
  }
  return out;
}

/** Runs the scenario on OLD and on `side`: the steps whose transcripts differ. */
async function differences(subject: Subject, scenario: Scenario, side: Side = 'new'): Promise<Difference[]> {
  return compare(scenario.name, await runSide('old', subject, scenario), await runSide(side, subject, scenario));
}

// ---------------------------------------------------------------------------------------------------
// Requests.

interface EventOptions {
  method?: string;
  /** The query API Gateway hands over (default: the delivery URL's). */
  query?: Record<string, string[]> | null;
  nullBody?: boolean;
  /** The body as text (isBase64Encoded false). */
  text?: boolean;
  noRequestContext?: boolean;
  noMethod?: boolean;
  /** Only `headers` (no multiValueHeaders), as a non-REST integration may send. */
  singleHeaders?: boolean;
}

/** The query string API Gateway hands over for a URL: each name's values, decoded. */
function queryOf(url: string | undefined): Record<string, string[]> | undefined {
  const at = url?.indexOf('?') ?? -1;
  if (!url || at < 0) return undefined;
  const out: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(url.slice(at + 1))) (out[name] ??= []).push(value);
  return out;
}

function eventOf(d: Delivery, o: EventOptions = {}): APIGatewayProxyEvent {
  const event = apiEvent({
    body: o.nullBody ? null : d.body.toString('base64'),
    isBase64Encoded: true,
    headers: d.headers as Record<string, string | string[]>,
    query: o.query === null ? undefined : (o.query ?? queryOf(d.url)),
    httpMethod: o.method,
    requestId: 'req-review23',
    sourceIp: '198.51.100.23',
  });
  const e = event as unknown as Record<string, unknown>;
  if (o.text) Object.assign(e, { body: d.body.toString('utf8'), isBase64Encoded: false });
  if (o.noRequestContext) delete e.requestContext;
  if (o.noMethod) delete e.httpMethod;
  if (o.singleHeaders) e.multiValueHeaders = null;
  return event;
}

const headerKey = (d: Delivery, name: string) => Object.keys(d.headers).find((h) => h.toLowerCase() === name.toLowerCase());

function withHeader(d: Delivery, name: string, value: string | readonly string[] | undefined): Delivery {
  const headers = { ...d.headers };
  const key = headerKey(d, name);
  if (key) delete headers[key];
  if (value !== undefined) headers[key ?? name] = value;
  return { ...d, headers };
}

const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A delivery of exactly `body`, signed as the kit signs (kits.ts's deliver), at `timestamp`, with `secret`. */
function signAt(kit: Kit, body: Buffer, timestamp = TEST_NOW_S, secret = kit.signingSecret): Delivery | undefined {
  const { scheme } = kit;
  const twilioJson = (kit.type === 'twilio' || kit.type === 'twilio-sha256') && kit.mediaType === JSON_TYPE;
  const url = scheme.signsUrl ? (twilioJson ? `${PUBLIC_URL}&bodySHA256=${sha256Hex(body)}` : PUBLIC_URL) : undefined;
  try {
    const input = { body, url, timestamp };
    const signed = scheme.signDelivery ? scheme.signDelivery(input, secret) : { headers: scheme.sign(input, secret), body };
    const headers: Record<string, string> = { ...signed.headers };
    const named = Object.keys(headers).find((h) => h.toLowerCase() === 'content-type') ?? 'content-type';
    const several = scheme.contentTypes.filter((t) => t === JSON_TYPE || t === FORM).length > 1;
    if (headers[named] === undefined || (several && !headers[named].toLowerCase().startsWith(kit.mediaType))) headers[named] = kit.mediaType;
    return { headers, body: Buffer.from(signed.body), url, method: 'POST' };
  } catch {
    return undefined; // a body this sender cannot sign (its format): not a request to compare
  }
}

/** A second genuine payload, other than the kit's example. */
const otherPayload = (kit: Kit) => (kit.mediaType === FORM ? 'AccountSid=AC9876543210&Body=second+one&From=%2B15550002222' : '{"id":"evt_9876543210","type":"invoice.paid","note":"second","data":{"n":2}}');

/** A payload of about `size` bytes in the kit's media type. */
const bigPayload = (kit: Kit, size: number) => (kit.mediaType === FORM ? `AccountSid=AC0123456789&Body=${'x'.repeat(size)}` : JSON.stringify({ id: 'evt_big0000001', type: 'order.created', note: 'x'.repeat(size), data: {} }));

/** The unsigned handshakes of every sender that has one, tried on every kit (refused where none). */
const UNSIGNED: Record<string, Delivery> = {
  'woocommerce ping': { headers: { 'content-type': FORM }, body: Buffer.from('webhook_id=1234'), method: 'POST' },
  'graph validation': {
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: Buffer.alloc(0),
    url: `${PUBLIC_URL}&validationToken=Validation%3a+Testing+client+application+reachability`,
    method: 'POST',
  },
  'monday challenge': { headers: { 'content-type': JSON_TYPE }, body: Buffer.from('{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}'), method: 'POST' },
  'notion verification': { headers: { 'content-type': JSON_TYPE }, body: Buffer.from('{"verification_token":"secret_Zx8Kp2Qw4Rt6Yu8Io0Pa2Sd4Fg6Hj8Kl0Zx2Cv4Bn6"}'), method: 'POST' },
  'asana hook secret': { headers: { 'content-type': JSON_TYPE, 'X-Hook-Secret': 'b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81' }, body: Buffer.alloc(0), method: 'POST' },
};

/** Signed handshakes (test/handlers/differential.test.ts's), for the kit of their sender. */
function signedHandshakes(kit: Kit): Record<string, Delivery> {
  const signed = (body: string, headers: Record<string, string> = {}) => {
    const d = kit.deliver(body);
    return { ...d, headers: { ...d.headers, ...headers } };
  };
  switch (kit.type) {
    case 'slack':
      return { 'url_verification': signed('{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}') };
    case 'zoom':
      return { 'endpoint.url_validation': signed(`{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":${TEST_NOW}}`) };
    case 'twitch':
      return {
        'callback verification': signed('{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"webhook_callback_verification_pending","type":"channel.follow","version":"1","cost":1,"condition":{"broadcaster_user_id":"12826"},"transport":{"method":"webhook","callback":"https://example.com/webhooks/callback"},"created_at":"2019-11-16T10:11:12.634234626Z"}}', { 'Twitch-Eventsub-Message-Type': 'webhook_callback_verification' }),
      };
    case 'discord':
      return { ping: signed('{"type":1,"id":"1","application_id":"2"}') };
    case 'xero':
      return { 'intent to receive': signed('{"events":[],"lastEventSequence":0,"firstEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}') };
    case 'front':
      return { sync: signed('{"type":"sync","authorization":{"id":"cmp_abc"}}', { 'X-Front-Challenge': 'b5nYgk8Ks2Mj' }) };
    case 'monday':
      return { 'signed challenge': signed('{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}') };
    case 'sns': {
      const { privateKey, certUrl } = JSON.parse(kit.signingSecret) as { privateKey: string; certUrl: string };
      const topic = (kit.config as SnsSchemeConfig).topicArns[0];
      const message = (type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation', id: string) => {
        const fields: Record<string, string> = {
          Type: type,
          MessageId: id,
          Token: '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f7948a98bac386edfe3',
          TopicArn: topic,
          Message: `${type} for ${topic}`,
          SubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topic)}&Token=2336412f37fb687f5d51e6e241d09c805a5a57b30d712f7948a98bac386edfe3`,
          Timestamp: new Date(TEST_NOW).toISOString(),
        };
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { sign } = jest.requireActual('node:crypto') as typeof import('node:crypto');
        const signature = sign('sha256', Buffer.from(canonical(type, fields)), privateKey).toString('base64');
        const body = Buffer.from(JSON.stringify({ ...fields, SignatureVersion: '2', Signature: signature, SigningCertURL: certUrl }));
        return { headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': type, 'x-amz-sns-message-id': id, 'x-amz-sns-topic-arn': topic }, body, method: 'POST' };
      };
      return {
        'subscription confirmation (settled with a call back)': message('SubscriptionConfirmation', '165545c9-2a5c-472c-8df2-7ff2be2b3b1b'),
        'unsubscribe confirmation': message('UnsubscribeConfirmation', '47138184-6831-46b8-8f7c-afc488602d7d'),
      };
    }
    default:
      return {};
  }
}

/** GET requests of every GET handshake (Meta, Dropbox, Nylas, Okta, X), tried on every kit. */
function gets(kit: Kit): [string, APIGatewayProxyEvent][] {
  const get = (query: Record<string, string[]> | null, headers: Record<string, string> = {}, method = 'GET') =>
    eventOf({ headers, body: Buffer.alloc(0), method }, { method, query, nullBody: true });
  const authorization = kit.config.type === 'okta' ? ((kit.config as { authorizationHeader?: string }).authorizationHeader ?? 'Authorization') : 'Authorization';
  const token = (() => {
    try {
      return JSON.parse(kit.secretDocument ?? '{}').current ?? 'none';
    } catch {
      return 'none';
    }
  })();
  return [
    ['GET, no query', get(null)],
    ['GET hub.* with the verify token', get({ 'hub.mode': ['subscribe'], 'hub.verify_token': [VERIFY_TOKEN], 'hub.challenge': ['1158201444'] })],
    ['GET hub.* with another token', get({ 'hub.mode': ['subscribe'], 'hub.verify_token': ['guess'], 'hub.challenge': ['1158201444'] })],
    ['GET hub.* token twice', get({ 'hub.mode': ['subscribe'], 'hub.verify_token': [VERIFY_TOKEN, 'x'], 'hub.challenge': ['1'] })],
    ['GET hub.* markup challenge', get({ 'hub.mode': ['subscribe'], 'hub.verify_token': [VERIFY_TOKEN], 'hub.challenge': ['<script>'] })],
    ['GET challenge', get({ challenge: ['d4f9e8c1-challenge'] })],
    ['GET challenge twice', get({ challenge: ['a', 'b'] })],
    ['GET crc_token', get({ crc_token: ['Y2hhbGxlbmdlLXRva2VuLTEyMzQ1Njc4'] })],
    ['GET crc_token too short', get({ crc_token: ['short'] })],
    ['GET okta challenge with the token', get(null, { 'X-Okta-Verification-Challenge': 'rbXDeJ9Rv4ao-Lk5hjYK', [authorization]: token })],
    ['GET okta challenge without it', get(null, { 'X-Okta-Verification-Challenge': 'rbXDeJ9Rv4ao-Lk5hjYK' })],
    ['HEAD', get(null, {}, 'HEAD')],
    ['head (lower case)', get(null, {}, 'head')],
    ['PUT', get(null, {}, 'PUT')],
    ['DELETE', get(null, {}, 'DELETE')],
    ['OPTIONS', get(null, {}, 'OPTIONS')],
    ['PATCH', get(null, {}, 'PATCH')],
  ];
}

const step = (label: string, event: APIGatewayProxyEvent | undefined, arrange?: (w: World) => void): Step[] => (event ? [{ label, event, arrange }] : []);

/** Every scenario for one kit. */
function scenariosFor(kit: Kit): Scenario[] {
  const { scheme } = kit;
  const g = kit.deliver(kit.example);
  const other = kit.deliver(otherPayload(kit));
  const ev = (d: Delivery | undefined, o?: EventOptions) => (d ? eventOf(d, o) : undefined);
  const headers = [...new Set([...scheme.requiredHeaders, ...scheme.signatureHeaders])];
  const withVerifyToken = (() => {
    if (kit.secretDocument === undefined) return undefined;
    return JSON.stringify({ ...JSON.parse(kit.secretDocument), verifyToken: VERIFY_TOKEN });
  })();
  const awaiting = kit.secretDocument === undefined ? JSON.stringify({ current: 'placeholder-awaiting-0000000000', awaitingKey: true }) : JSON.stringify({ ...JSON.parse(kit.secretDocument), awaitingKey: true });
  const stamp = String(TEST_NOW_S);
  const nan = (d: Delivery, value: string): Delivery => ({
    ...d,
    headers: Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k, typeof v === 'string' ? v.split(stamp).join(value).split(String(TEST_NOW)).join(value) : v])),
  });
  const altered = (v: string | readonly string[] | undefined) => {
    const s = Array.isArray(v) ? v[0] : (v as string | undefined);
    if (!s) return 'x';
    const last = s[s.length - 1];
    return s.slice(0, -1) + (last === 'A' ? 'B' : 'A');
  };
  const out: Scenario[] = [
    { name: 'genuine, redelivered, another', steps: [...step('genuine', ev(g)), ...step('redelivered', ev(g)), ...step('another', ev(other))] },
    { name: 'genuine, no dedupe table', config: { dedupe: undefined }, steps: [...step('genuine', ev(g)), ...step('again', ev(g))] },
    {
      name: 'event shapes',
      config: { dedupe: undefined },
      steps: [
        ...step('no requestContext (random request id)', ev(g, { noRequestContext: true })),
        ...step('headers only, no multiValueHeaders', ev(g, { singleHeaders: true })),
        ...step('body as text', g.body.toString('utf8') === g.body.toString('latin1') || Buffer.from(g.body.toString('utf8')).equals(g.body) ? ev(g, { text: true }) : undefined),
        ...step('no httpMethod', ev(g, { noMethod: true })),
        ...step('method "post"', ev(g, { method: 'post' })),
        ...step('no query at all', ev(g, { query: null })),
        ...step('an extra query parameter', ev(g, { query: { ...(queryOf(g.url) ?? {}), extra: ['1'] } })),
      ],
    },
    { name: 'GET, HEAD and other methods, verify token kept', secret: withVerifyToken, steps: gets(kit).flatMap(([label, event]) => step(label, event)) },
    { name: 'GET handshakes, no verify token', steps: gets(kit).slice(0, 6).flatMap(([label, event]) => step(label, event)) },
    {
      name: 'headers missing, duplicated, altered, empty',
      steps: [...headers, 'content-type'].flatMap((name) => {
        const value = g.headers[headerKey(g, name) ?? name];
        return [
          ...step(`${name} missing`, ev(withHeader(g, name, undefined))),
          ...step(`${name} twice, same`, value === undefined ? undefined : ev(withHeader(g, name, [value as string, value as string].flat()))),
          ...step(`${name} twice, another`, value === undefined ? undefined : ev(withHeader(g, name, [...[value as string].flat(), altered(value)]))),
          ...step(`${name} altered`, ev(withHeader(g, name, altered(value)))),
          ...step(`${name} empty`, ev(withHeader(g, name, ''))),
          ...step(`${name} upper-case name`, value === undefined ? undefined : ev(withHeader(withHeader(g, name, undefined), name.toUpperCase(), value))),
        ];
      }),
    },
    {
      name: 'media types',
      steps: [
        ...step('text/xml', ev(withHeader(g, 'content-type', 'text/xml'))),
        ...step('upper case with parameters', ev(withHeader(g, 'content-type', `${kit.mediaType.toUpperCase()} ; charset=UTF-8`))),
        ...step('the other media type', ev(withHeader(g, 'content-type', kit.mediaType === FORM ? JSON_TYPE : FORM))),
        ...step('text/plain', ev(withHeader(g, 'content-type', 'text/plain'))),
      ],
    },
    {
      name: 'bodies',
      config: { dedupe: undefined },
      steps: [
        ...step('empty body, genuine headers', ev({ ...g, body: Buffer.alloc(0) })),
        ...step('null body, genuine headers', ev(g, { nullBody: true })),
        ...step('a byte appended', ev({ ...g, body: Buffer.concat([g.body, Buffer.from(' ')]) })),
        ...step('a BOM before it', ev({ ...g, body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), g.body]) })),
        ...step('signed, not UTF-8', ev(signAt(kit, Buffer.concat([Buffer.from('{"note":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')])))),
        ...step('signed, UTF-8 SQS cannot carry', ev(signAt(kit, Buffer.from(kit.mediaType === FORM ? 'Body=%01&x=\u0001' : '{"note":"\u0001\uFFFE"}')))),
        ...step('signed, exactly the example bytes again', ev(signAt(kit, g.body))),
        ...step('above the cap (413)', ev({ ...g, body: Buffer.alloc(65_537, 0x61) })),
        ...step('at the cap, unsigned change', ev({ ...g, body: Buffer.alloc(65_536, 0x61) })),
      ],
    },
    {
      name: 'timestamps',
      config: { dedupe: undefined },
      steps: [
        ...step('signed a day ago', ev(signAt(kit, g.body, TEST_NOW_S - 86_400))),
        ...step('signed a day ahead', ev(signAt(kit, g.body, TEST_NOW_S + 86_400))),
        ...step('signed 4 minutes ago', ev(signAt(kit, g.body, TEST_NOW_S - 240))),
        ...step('signed 6 minutes ago', ev(signAt(kit, g.body, TEST_NOW_S - 360))),
        ...step('timestamp NaN', ev(nan(g, 'NaN'))),
        ...step('timestamp empty', ev(nan(g, ''))),
        ...step('timestamp 1e3', ev(nan(g, '1e3'))),
        ...step('genuine, the clock 10 minutes on', ev(g), (w) => (w.clock = TEST_NOW + 600 * SECOND)),
        ...step('genuine, the clock a year on', ev(g), (w) => (w.clock = TEST_NOW + 365 * DAY)),
      ],
    },
    {
      name: 'unsigned handshakes',
      steps: Object.entries(UNSIGNED).flatMap(([label, d]) => [...step(label, ev(d)), ...step(`${label}, again`, ev(d))]),
    },
    {
      name: 'captures while the secret awaits its key',
      secret: awaiting,
      config: { captureSecretId: CAPTURE_ARN, secretId: SECRET_ARN },
      steps: [
        ...step('notion', ev(UNSIGNED['notion verification'])),
        ...step('notion again (refused without a call)', ev(UNSIGNED['notion verification'])),
        ...step('asana', ev(UNSIGNED['asana hook secret'])),
        ...step('genuine delivery meanwhile', ev(g)),
      ],
    },
    {
      name: 'captures: Secrets Manager holds one already, or fails',
      secret: awaiting,
      config: { captureSecretId: CAPTURE_ARN, secretId: SECRET_ARN },
      steps: [
        ...step('notion, store fails', ev(UNSIGNED['notion verification']), (w) => fail(w, 'secrets:PutSecretValueCommand', awsError('InternalServiceError'))),
        ...step('asana, store fails', ev(UNSIGNED['asana hook secret']), (w) => fail(w, 'secrets:PutSecretValueCommand', awsError('InternalServiceError'))),
        ...step('notion, one exists', ev(UNSIGNED['notion verification']), (w) => fail(w, 'secrets:PutSecretValueCommand', awsError('ResourceExistsException'))),
        ...step('asana after that', ev(UNSIGNED['asana hook secret'])),
      ],
    },
    {
      name: 'captures from an event without requestContext (no source IP, a random request id)',
      secret: awaiting,
      config: { captureSecretId: CAPTURE_ARN, secretId: SECRET_ARN },
      steps: [...step('notion', ev(UNSIGNED['notion verification'], { noRequestContext: true })), ...step('asana', ev(UNSIGNED['asana hook secret'], { noRequestContext: true }))],
    },
    {
      name: 'captures with no capture secret configured',
      secret: awaiting,
      config: { secretId: SECRET_ARN },
      steps: [...step('notion', ev(UNSIGNED['notion verification'])), ...step('asana', ev(UNSIGNED['asana hook secret']))],
    },
    {
      name: 'signed handshakes, answered and recorded; replayed; a failed record',
      steps: Object.entries(signedHandshakes(kit)).flatMap(([label, d]) => [
        ...step(label, ev(d)),
        ...step(`${label}, replayed`, ev(d)),
        ...step(`${label}, record fails (fresh key)`, ev(d), (w) => {
          w.table.clear();
          fail(w, 'dynamodb:PutItemCommand', awsError('ProvisionedThroughputExceededException'));
        }),
        ...step(`${label}, its call back fails`, ev(d), (w) => {
          w.table.clear();
          fail(w, 'fetch', awsError('Error', { code: 'ECONNREFUSED' }));
        }),
      ]),
    },
    {
      name: 'claim-check: above the inline limit, with a bucket',
      config: { bodyBucket: BUCKET, maxBodyBytes: INLINE_BODY_BYTES + 64 * 1024 },
      steps: (() => {
        const big = kit.deliver(bigPayload(kit, INLINE_BODY_BYTES + 1));
        return [...step('stored, then queued', ev(big)), ...step('redelivered', ev(big)), ...step('exactly the inline limit', ev(kit.deliver(bigPayload(kit, INLINE_BODY_BYTES - 200))))];
      })(),
    },
    {
      name: 'claim-check: the put fails, then the retry',
      config: { bodyBucket: BUCKET, maxBodyBytes: INLINE_BODY_BYTES + 64 * 1024 },
      steps: (() => {
        const big = kit.deliver(bigPayload(kit, INLINE_BODY_BYTES + 10));
        return [
          ...step('put fails', ev(big), (w) => fail(w, 's3:PutObjectCommand', awsError('InternalError'))),
          ...step('put fails, release fails', ev(big), (w) => {
            fail(w, 's3:PutObjectCommand', awsError('SlowDown'));
            fail(w, 'dynamodb:DeleteItemCommand', awsError('ProvisionedThroughputExceededException'));
          }),
          ...step('retried within the lock', ev(big)),
          ...step('retried after the lock', ev(big), (w) => (w.clock += 34 * SECOND)),
        ];
      })(),
    },
    {
      name: 'claim-check: no bucket (413 above the inline limit whatever the cap)',
      config: { maxBodyBytes: INLINE_BODY_BYTES + 64 * 1024 },
      steps: step('above the inline limit', ev(kit.deliver(bigPayload(kit, INLINE_BODY_BYTES + 1)))),
    },
    {
      name: 'secret read fails, then recovers; stale keys ride out an outage',
      steps: [
        ...step('read fails', ev(g), (w) => fail(w, 'secrets:GetSecretValueCommand', awsError('InternalServiceError', { code: 'ECONNRESET' }))),
        ...step('read recovers', ev(g)),
        ...step('TTL passed, read fails, cached keys used', ev(other), (w) => {
          w.clock += 301 * SECOND;
          fail(w, 'secrets:GetSecretValueCommand', awsError('ThrottlingException'));
        }),
        ...step('within the retry interval', ev(g), (w) => (w.clock += 5 * SECOND)),
        ...step('stale beyond maxStale, read fails', ev(g), (w) => {
          w.clock += 2 * HOUR;
          fail(w, 'secrets:GetSecretValueCommand', awsError('ThrottlingException'));
        }),
      ],
    },
    { name: 'secret has no AWSCURRENT value', secret: null, steps: [...step('genuine', ev(g)), ...step('GET', gets(kit)[1][1])] },
    { name: 'secret is not JSON', secret: '{"current":', steps: step('genuine', ev(g)) },
    { name: 'secret has no string value', steps: step('genuine', ev(g), (w) => (w.secret = { versionId: 'v-binary', createdMs: TEST_NOW })) },
    {
      name: 'imported key: the previous one within its grace',
      steps: step('genuine', ev(g), (w) => (w.previous = kit.secretDocument ?? 'previous-key-0123456789abcdef0123')),
    },
    {
      name: 'SQS fails, then the retry',
      steps: [...step('send fails', ev(g), (w) => fail(w, 'sqs:SendMessageCommand', awsError('InternalFailure'))), ...step('retried', ev(g))],
    },
    {
      name: 'SQS fails and the release fails: in progress until the lock runs out',
      steps: [
        ...step('send and release fail', ev(g), (w) => {
          fail(w, 'sqs:SendMessageCommand', awsError('KmsThrottled', { code: 'KMS.ThrottlingException' }));
          fail(w, 'dynamodb:DeleteItemCommand', awsError('ProvisionedThroughputExceededException'));
        }),
        ...step('retried within the lock', ev(g)),
        ...step('retried after the lock', ev(g), (w) => (w.clock += 34 * SECOND)),
        ...step('and again', ev(g)),
      ],
    },
    { name: 'the claim fails', steps: [...step('claim fails', ev(g), (w) => fail(w, 'dynamodb:PutItemCommand', awsError('ProvisionedThroughputExceededException'))), ...step('retried', ev(g))] },
    { name: 'the claim is lost before completion', steps: [...step('claim lost', ev(g), (w) => fail(w, 'dynamodb:UpdateItemCommand', () => conditionFailed())), ...step('retried', ev(g))] },
    { name: 'the completion fails once', steps: [...step('complete fails once', ev(g), (w) => fail(w, 'dynamodb:UpdateItemCommand', awsError('InternalServerError')))] },
    { name: 'a DynamoDB error with a message but no name', steps: step('claim throws a bare object', ev(g), (w) => fail(w, 'dynamodb:PutItemCommand', () => ({ message: 'x' }))) },
    { name: 'start-up: no secret configured', config: { secretId: undefined }, steps: step('genuine', ev(g)) },
    { name: 'start-up: no public URL', config: { publicUrl: undefined }, steps: step('genuine', ev(g)) },
    { name: 'start-up: a dedupe table and no DynamoDB client', noDynamodb: true, steps: step('genuine', ev(g)) },
  ];
  // The completion failing throughout (three attempts; the back-off is not waited for, see runSide).
  out.push({ name: 'the completion fails throughout', steps: step('complete fails 3 times', ev(g), (w) => fail(w, 'dynamodb:UpdateItemCommand', awsError('ThrottlingException'), 3)) });
  if (kit.fetch) {
    out.push({
      name: 'published keys: the fetch fails, then recovers',
      steps: [...step('fetch fails', ev(g), (w) => fail(w, 'fetch', awsError('Error', { code: 'ECONNREFUSED' }))), ...step('soon after', ev(g)), ...step('after the retry interval', ev(g), (w) => (w.clock += 10 * 60 * SECOND))],
    });
  }
  // A rotation this container has not read yet: a signature no cached key matches re-reads the secret (once per interval).
  const rotatable = !kit.fetch && !scheme.keyless && !scheme.trustAnchor && !scheme.generateKeyPair && kit.secretDocument !== undefined;
  if (rotatable) {
    const fresh = scheme.generateKey();
    const third = (n: number) => kit.deliver(kit.mediaType === FORM ? `AccountSid=AC000000000${n}&Body=rotated` : `{"id":"evt_rotated${n}","type":"ping"}`).body;
    const signedFresh = signAt(kit, third(1), TEST_NOW_S, fresh);
    const fresh2 = signAt(kit, third(2), TEST_NOW_S, fresh);
    out.push({
      name: 'a rotated key, picked up on a miss',
      steps: [
        ...step('genuine (keys read)', ev(g)),
        ...step('signed with the new key', ev(signedFresh), (w) => (w.secret = { value: JSON.stringify({ current: fresh }), versionId: 'v-rotated', createdMs: TEST_NOW })),
        ...step('another with the new key, within the miss interval', ev(fresh2)),
        ...step('the old key, still in grace', ev(other), (w) => (w.previous = kit.secretDocument)),
      ],
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The matrix.

const ca = createLocalCa();
afterAll(() => ca.dispose());
const KITS = kits(ca);
const subjectOf = (kit: Kit): Subject => ({ name: kit.name, config: kit.config, scheme: kit.scheme.trustAnchor ? kit.scheme : undefined, secretDocument: kit.secretDocument, fetch: kit.fetch });

const counts = { kits: 0, scenarios: 0, requests: 0, bundleRequests: 0, fcRuns: 0 };
// Every scenario runs through the family bundle too (set FAST_REVIEW23=1 for only those where its optional stages decide).
const BUNDLE_SCENARIOS = process.env.FAST_REVIEW23 ? /^(genuine, redelivered|event shapes|GET|unsigned handshakes|captures|signed handshakes|published keys|start-up)/ : /./;

describe('OLD (a20409b) and NEW (stages) handlers answer, log and call alike', () => {
  test.each(KITS.map((kit) => [kit.name, kit] as const))('same: %s', async (_name, kit) => {
    const subject = subjectOf(kit);
    const found = [];
    const scenarios = scenariosFor(kit);
    for (const scenario of scenarios) {
      const before = await runSide('old', subject, scenario);
      found.push(...compare(scenario.name, before, await runSide('new', subject, scenario)));
      counts.scenarios++;
      counts.requests += scenario.steps.length;
      // The family's own Lambda bundle too: its entry's factory and optional stages (methods, handshakes, captures, the URL, settling).
      if (BUNDLE_SCENARIOS.test(scenario.name)) {
        found.push(...compare(`${scenario.name} (family bundle)`, before, await runSide('bundle', subject, scenario)));
        counts.bundleRequests += scenario.steps.length;
      }
    }
    counts.kits++;
    expect(found).toEqual([]);
  });

  test.each(KITS.filter((_k, i) => i % 2 === 0).map((kit) => [kit.name, kit] as const))('same under random changes of a genuine delivery (fast-check): %s', async (_name, kit) => {
    const subject = subjectOf(kit);
    const headers = [...new Set([...kit.scheme.requiredHeaders, ...kit.scheme.signatureHeaders])];
    const changes = mutations(headers, kit.scheme.contentTypes, kit.scheme.signsUrl ? fc.oneof(urlMutations, urlBodyBoundary) : undefined);
    await fc.assert(
      fc.asyncProperty(kit.payloads, changes, async (payload, list) => {
        const genuine = kit.deliver(payload);
        const changed = applyAll(genuine, list);
        const scenario: Scenario = { name: `fc ${list.map(String).join(' ')}`, steps: [{ label: 'genuine', event: eventOf(genuine) }, { label: 'changed', event: eventOf(changed) }] };
        const found = await differences(subject, scenario);
        counts.fcRuns++;
        if (found.length > 0) throw new Error(JSON.stringify(found, null, 1));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  afterAll(() => {
    // What the matrix covered, for the review's report.
    process.stdout.write(`review23 differential: ${counts.kits} kits, ${counts.scenarios} scenarios, ${counts.requests} requests per side, ${counts.bundleRequests} of them also through the family bundle; ${counts.fcRuns} fast-check runs of 2 requests\n`);
  });
});

// ---------------------------------------------------------------------------------------------------
// Start-up: every family's bundle builds the verifier for every scheme type it carries.

describe('start-up guard: each family entry carries the stages its scheme types need', () => {
  const entries = ENTRIES();
  // Every scheme type of the catalogue as configured in tests, the generic HMAC variants, and
  // templates that do and do not sign the URL.
  const configs: SchemeConfig[] = [
    ...subjects().map((s) => s.config),
    { type: 'hmac', algorithm: 'sha256', signatureHeader: 'x-signature', encoding: 'hex', signedContent: 'template', template: '{url}{body}' } as SchemeConfig,
    { type: 'hmac', algorithm: 'sha256', signatureHeader: 'x-signature', encoding: 'hex', signedContent: 'template', template: '{method}{body}' } as SchemeConfig,
  ];

  test('every scheme type is in some family, and every family has an entry', () => {
    const families = Object.keys(VERIFIER_FAMILIES);
    expect(families.filter((f) => !entries[f])).toEqual([]);
    expect(configs.map((c) => bundleOf(c)).filter((b) => !entries[b])).toEqual([]);
  });

  test.each(configs.map((c) => [`${bundleOf(c)} / ${c.type}${(c as { signedContent?: string }).signedContent === 'template' ? ` (${(c as { template?: string }).template})` : ''}`, c] as const))(
    'builds: %s',
    (_label, config) => {
      const { schemes, stages } = entries[bundleOf(config)];
      const { published, ...optional } = stages as { published?: NEW.VerifierDeps['published'] };
      const scheme = schemes(config);
      expect(scheme).toBeDefined();
      const w = { calls: [] as string[] } as unknown as World;
      const fakeClient = client(w, 'x', () => ({}));
      expect(() =>
        verifierPipeline(
          schemes as never,
          { ...BASE, scheme: config, secretId: SECRET_ARN, captureSecretId: CAPTURE_ARN },
          { sqs: fakeClient as never, secrets: fakeClient as never, dynamodb: fakeClient as never, published },
          optional,
        ),
      ).not.toThrow();
    },
  );

  test('every entry builds every type of its own family (VERIFIER_FAMILIES), configured as example-configs.ts configures it', () => {
    const failures: string[] = [];
    for (const [family, types] of Object.entries(VERIFIER_FAMILIES)) {
      const { schemes, stages } = entries[family];
      const { published, ...optional } = stages as { published?: NEW.VerifierDeps['published'] };
      for (const type of types) {
        const fakeClient = client({ calls: [] } as unknown as World, 'x', () => ({}));
        try {
          verifierPipeline(schemes as never, { ...BASE, scheme: exampleConfig(type), secretId: SECRET_ARN }, { sqs: fakeClient as never, secrets: fakeClient as never, dynamodb: fakeClient as never, published }, optional);
        } catch (error) {
          failures.push(`${family}/${type}: ${describeError(error)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  // What the pipeline calls, read from its use sites (not from the guard): stages/request.ts calls
  // getHandshake for a GET when handshake.get, signedUrl when signsUrl; pipeline.ts calls
  // unsignedHandshakes for every POST (it answers only unsigned/capture handshakes); settle.ts calls
  // settleWithCall (which acts only on scheme.settle); verify.ts calls deps.published.keys when
  // scheme.published.
  const OPTIONAL = ['getHandshake', 'unsignedHandshakes', 'signedUrl', 'settleWithCall'] as const;
  const needs = (s: Scheme): Record<(typeof OPTIONAL)[number], boolean> => ({
    getHandshake: !!s.handshake?.get,
    unsignedHandshakes: !!(s.handshake?.unsigned || s.handshake?.capture),
    signedUrl: s.signsUrl,
    settleWithCall: !!s.settle,
  });
  const ALL = { getHandshake: NEW_STAGES.answerGet, unsignedHandshakes: NEW_STAGES.answerUnsigned, signedUrl: NEW_STAGES.signedUrl, settleWithCall: NEW_STAGES.settleWithCall };

  test('the guard refuses exactly the bundles that lack a stage their scheme needs (each of the four, every scheme type)', () => {
    const wrong: string[] = [];
    const fakeClient = client({ calls: [] } as unknown as World, 'x', () => ({}));
    for (const config of configs) {
      const scheme = schemeFor(config);
      const need = needs(scheme);
      for (const stage of OPTIONAL) {
        const { [stage]: _left, ...stages } = ALL;
        let threw = false;
        try {
          verifierPipeline(() => scheme, { ...BASE, scheme: config, secretId: SECRET_ARN }, { sqs: fakeClient as never, secrets: fakeClient as never, dynamodb: fakeClient as never, published: newPublishedKeys(async () => ({ status: 404, body: '' })) }, stages);
        } catch {
          threw = true;
        }
        if (threw !== need[stage]) wrong.push(`${config.type} without ${stage}: ${threw ? 'refused' : 'started'}, needs it: ${need[stage]}`);
      }
    }
    // Each of the four is needed by some catalogue scheme (each guard branch is live).
    const used = OPTIONAL.filter((stage) => configs.some((c) => needs(schemeFor(c))[stage]));
    expect({ wrong, used }).toEqual({ wrong: [], used: [...OPTIONAL] });
  });

  test('a published-key scheme whose deps.published lacks the published-keys stage (`keys`) is refused at start-up, as a missing stage is', () => {
    // The fifth optional piece of code, the published-key stage, travels in deps.published (with the
    // cache and fetcher) rather than in OptionalStages, and the guard checks only that deps.published
    // is there. Every bundle gets it from publishedKeys(), so no deployed function lacks it; a caller
    // that builds deps.published itself starts, and then throws a TypeError on every request (see
    // "differs: a published-key sender given deps.published as OLD took it" below).
    const kit = KITS.find((k) => k.name === 'paypal')!;
    const fakeClient = client({ calls: [] } as unknown as World, 'x', () => ({}));
    const published = { cache: (source: never, options: never) => new PublishedKeyCache(source, options), fetch: kit.fetch! };
    expect(() => verifierPipeline(() => kit.scheme, { ...BASE, scheme: kit.config, dedupe: undefined }, { sqs: fakeClient as never, secrets: fakeClient as never, published } as never, ALL)).toThrow(/published|stage/);
  });
});

// ---------------------------------------------------------------------------------------------------
// Requests at once to one container (the CLI's `serve`; a Lambda container takes one at a time).

describe('concurrent requests to one container', () => {
  const CONCURRENT_KITS = ['github (json)', 'stripe', 'slack (json)', 'sns', 'notion', 'asana', 'meta', 'plaid', 'salesforce', 'twilio (form)'];
  const scenarios = (kit: Kit): Scenario[] => {
    const g = kit.deliver(kit.example);
    const other = kit.deliver(otherPayload(kit));
    const awaiting = JSON.stringify({ ...JSON.parse(kit.secretDocument ?? '{"current":"placeholder-awaiting-0000000000"}'), awaitingKey: true });
    return [
      { name: 'the same delivery twice, cold cache', concurrent: true, steps: [...step('first', eventOf(g)), ...step('second', eventOf(g))] },
      { name: 'two deliveries and a GET, cold cache', concurrent: true, steps: [...step('one', eventOf(g)), ...step('other', eventOf(other)), ...step('GET', gets(kit)[5][1])] },
      { name: 'three deliveries, the secret read failing once', concurrent: true, steps: [...step('one', eventOf(g), (w) => fail(w, 'secrets:GetSecretValueCommand', awsError('ThrottlingException'))), ...step('two', eventOf(other)), ...step('three', eventOf(g))] },
      {
        name: 'three captures at once',
        concurrent: true,
        secret: awaiting,
        config: { captureSecretId: CAPTURE_ARN, secretId: SECRET_ARN },
        steps: [...step('notion 1', eventOf(UNSIGNED['notion verification'])), ...step('notion 2', eventOf(UNSIGNED['notion verification'])), ...step('asana', eventOf(UNSIGNED['asana hook secret']))],
      },
    ];
  };
  // Each request's answer, and every call and audit line as multisets (see the note below).
  const same = (records: StepRecord[]) => records.filter((r) => r.step !== 'every call and line, in order');

  test.each(CONCURRENT_KITS)('same answers, calls and lines (as multisets): %s', async (name) => {
    const kit = KITS.find((k) => k.name === name)!;
    const found = [];
    for (const scenario of scenarios(kit)) {
      const [before, after] = [same(await runSide('old', subjectOf(kit), scenario)), same(await runSide('new', subjectOf(kit), scenario))];
      if (JSON.stringify(before) !== JSON.stringify(after)) found.push({ scenario: scenario.name, old: before, new: after });
    }
    expect(found).toEqual([]);
  });

  // Not compared: the order of calls and lines ACROSS concurrent requests. NEW's stages are async
  // functions, so a request answered with no AWS call between (Asana's empty POST refused 400 while
  // two Notion captures wait on PutSecretValue) is answered a few microtasks later than OLD answered
  // it, and its audit line lands after theirs instead of before. Only a container that takes several
  // requests at once (the CLI's `serve`, never a Lambda container) can interleave them, and there real
  // I/O latency, not microtasks, orders them: not a behavioural difference (the review's report says so).
});

// ---------------------------------------------------------------------------------------------------
// The harness itself: OLD is the old code, a difference is seen, the random ids are the counter's.

describe('the harness', () => {
  const github = () => KITS.find((k) => k.name === 'github (json)')!;

  test('OLD is the single-closure handler of a20409b, NEW the pipeline', () => {
    expect(String(OLD.createFamilyVerifierHandler)).toContain('PutSecretValueCommand');
    expect(String(NEW.createFamilyVerifierHandler)).toContain('verifierPipeline');
    expect(OLD.createFamilyVerifierHandler).not.toBe(NEW.createFamilyVerifierHandler);
  });

  test('sees a one-character change in NEW\'s answer, and an extra call', async () => {
    const kit = github();
    const scenario: Scenario = { name: 'genuine', steps: step('genuine', eventOf(kit.deliver(kit.example))) };
    expect(await differences(subjectOf(kit), scenario)).toEqual([]);
    const changed = await differences({ ...subjectOf(kit), wrapNew: (h) => async (e) => ({ ...(await h(e)), body: (await h(e)).body.replace('true', 'True') }) }, scenario);
    expect(changed.map((d) => d.step)).toEqual(['genuine']);
  });

  test('random ids are the counter\'s, per request: a request id, the claim token, the claim-check key', async () => {
    const kit = github();
    const big = kit.deliver(bigPayload(kit, INLINE_BODY_BYTES + 1));
    const [record] = await runSide('new', subjectOf(kit), { name: 'ids', config: { bodyBucket: BUCKET, maxBodyBytes: INLINE_BODY_BYTES + 64 * 1024 }, steps: step('big, no request id', eventOf(big, { noRequestContext: true })) });
    expect(JSON.parse(record.response)).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(JSON.parse(record.response).body).requestId).toBe('00000000-0000-4000-8000-000000000001');
    expect(record.calls.join('\n')).toContain('"claimToken":{"S":"00000000-0000-4000-8000-000000000002"}');
    expect(record.calls.join('\n')).toContain('"Key":"src/2026/11/28/00000000-0000-4000-8000-000000000003"');
  });
});

// ---------------------------------------------------------------------------------------------------
// The helpers both export, on the same inputs.

describe('exported helpers agree', () => {
  test('configFromEnv: the same configuration, or the same refusal', () => {
    const base = { WEBHOOK_ENDPOINT: 'e', WEBHOOK_SOURCE: 's', WEBHOOK_SCHEME: '{"type":"github"}', WEBHOOK_QUEUE_URL: QUEUE_URL, WEBHOOK_MAX_BODY_BYTES: '65536' };
    const envs: NodeJS.ProcessEnv[] = [
      base,
      {},
      { ...base, WEBHOOK_SECRET_ARN: SECRET_ARN, WEBHOOK_CAPTURE_SECRET_ARN: CAPTURE_ARN, WEBHOOK_PUBLIC_URL: PUBLIC_URL, WEBHOOK_BODY_BUCKET: BUCKET, WEBHOOK_KEY_SOURCE: 'imported', WEBHOOK_GRACE_SECONDS: '60' },
      { ...base, WEBHOOK_DEDUPE_TABLE: 't' },
      { ...base, WEBHOOK_DEDUPE_TABLE: 't', WEBHOOK_DEDUPE_LOCK_SECONDS: '0.5' },
      { ...base, WEBHOOK_DEDUPE_TABLE: 't', WEBHOOK_DEDUPE_RETENTION_SECONDS: 'NaN' },
      { ...base, WEBHOOK_TOLERANCE_SECONDS: '-1' },
      { ...base, WEBHOOK_TOLERANCE_SECONDS: '0' },
      { ...base, WEBHOOK_MAX_BODY_BYTES: '' },
      { ...base, WEBHOOK_MAX_BODY_BYTES: 'Infinity' },
      { ...base, WEBHOOK_SECRET_CACHE_SECONDS: '1e3', WEBHOOK_KEY_SOURCE: 'other' },
      { ...base, WEBHOOK_SCHEME: '{' },
    ];
    const run = (f: (env: NodeJS.ProcessEnv) => unknown, env: NodeJS.ProcessEnv) => {
      try {
        return JSON.stringify(f(env));
      } catch (error) {
        return `threw ${describeError(error)}`;
      }
    };
    for (const env of envs) expect(run(NEW.configFromEnv, env)).toBe(run(OLD.configFromEnv, env));
  });

  test('sqsBody, addMetadata, errorFields (fast-check)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), fc.string({ unit: 'binary' })), (body) => {
        expect(NEW.sqsBody(body)).toEqual(OLD.sqsBody(body));
      }),
      { numRuns: 300, seed: SEED },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 6 }), (fixed, metadata) => {
        const start = () => Object.fromEntries(Array.from({ length: fixed }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: String(i) }]));
        const [a, b] = [start(), start()];
        OLD.addMetadata(a, metadata);
        NEW.addMetadata(b, metadata);
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      }),
      { numRuns: 300, seed: SEED },
    );
    fc.assert(
      fc.property(fc.anything(), fc.oneof(fc.string(), fc.constant(undefined)), fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)), (error, name, code) => {
        const made = error !== null && typeof error === 'object' ? Object.assign(error, { name, code }) : error;
        expect(JSON.stringify(NEW.errorFields(made))).toBe(JSON.stringify(OLD.errorFields(made)));
      }),
      { numRuns: 300, seed: SEED },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Differences found. Each FAILS until the two agree; the test is the minimal reproduction.

describe('differences found', () => {
  const kitNamed = (name: string) => KITS.find((k) => k.name === name)!;

  test('a GET (or any method but POST) whose event body is not a string and isBase64Encoded is true is answered as OLD answered it (405, or the GET handshake): only a POST body is decoded', async () => {
    // A hand-made event (the Lambda console's test event, another integration) can carry a JSON
    // object as `body`. OLD decoded the body only for a POST; NEW's receive stage decodes it for
    // every method, and Buffer.from(object, 'base64') throws: the invocation fails (API Gateway: 502),
    // with no audit line, where OLD answered. (API Gateway's own events always carry a string or
    // null; with isBase64Encoded false, both read such a body alike.)
    const github = kitNamed('github (json)');
    const dropbox = kitNamed('dropbox');
    const bodyObject = (e: APIGatewayProxyEvent) => Object.assign(e, { body: { hello: 'world' } as unknown as string, isBase64Encoded: true });
    const get = (query: Record<string, string[]> | null, method = 'GET') => bodyObject(eventOf({ headers: {}, body: Buffer.alloc(0), method }, { method, query, nullBody: true }));
    const found = [
      ...(await differences(subjectOf(github), { name: 'github', steps: [...step('GET', get(null)), ...step('OPTIONS', get(null, 'OPTIONS'))] })),
      ...(await differences(subjectOf(dropbox), { name: 'dropbox', steps: step('GET challenge', get({ challenge: ['d4f9e8c1-challenge'] })) })),
    ];
    expect(found).toEqual([]);
  });

  test('a published-key sender given deps.published as OLD took it ({cache, fetch}, no `keys` stage) is refused at start-up with the reason (the internal VerifierDeps contract changed; OLD verified and queued)', async () => {
    // VerifierDeps['published'] gained a required `keys` (the published-key stage) that the start-up
    // guard does not check: it checks only that deps.published is there. publishedKeys() always
    // gives it, so the Lambda bundles and the tests are fine; a caller building deps.published
    // itself (VerifierDeps is exported from verifier.ts) gets a TypeError per request instead of a
    // start-up refusal. A guard line (`scheme.published && typeof deps.published?.keys !== 'function'`)
    // would turn it into one.
    const kit = kitNamed('paypal');
    const w = { calls: [] as string[], lines: [] as string[] };
    const config = { ...BASE, scheme: kit.config, dedupe: undefined };
    const fakeClient = { send: async () => ({ MessageId: 'm-1' }) };
    const published = { cache: (source: never, options: never) => new PublishedKeyCache(source, options), fetch: kit.fetch! };
    const deps = { sqs: fakeClient, secrets: fakeClient, published, now: () => TEST_NOW, write: (line: string) => void w.lines.push(line) };
    const answer = async (make: () => OLD.VerifierHandler) => {
      try {
        return ser(await make()(eventOf(kit.deliver(kit.example))));
      } catch (error) {
        return `threw ${describeError(error)}`;
      }
    };
    const before = await answer(() => oldAnySender(config, deps as never));
    const after = await answer(() => newAnySender(config, deps as never));
    expect(JSON.parse(before)).toMatchObject({ statusCode: 200 });
    // Resolved by the lead: the guard refuses the bundle at start-up (fail closed, named), never a TypeError per request.
    expect(after).toBe('threw Error: Scheme type "paypal" fetches published keys, and this bundle cannot');
  });

  test('a scheme whose acknowledge() throws fails as OLD did, before the claim (nothing claimed, nothing queued)', async () => {
    // OLD computed the acknowledgement before the dedupe claim; NEW asks for it after the send
    // (acknowledge.ts). No catalogue scheme's acknowledge() can throw (Adyen, Xero, Microsoft Teams
    // and Salesforce return constants), so only a scheme given through createFamilyVerifierHandler's
    // factory sees it: the message is on the queue, the invocation fails (no 200, no audit line),
    // the claim is never completed, and the sender's retry gets 503 until the lock runs out, then is
    // queued again.
    const kit = kitNamed('github (json)');
    const real = kit.scheme;
    const throwing = new Proxy(real, {
      get: (target, name) => {
        if (name === 'acknowledge') return () => {
          throw new Error('acknowledge failed');
        };
        const value = Reflect.get(target, name);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const found = await differences({ ...subjectOf(kit), scheme: throwing }, { name: 'throwing acknowledge', steps: [...step('genuine', eventOf(kit.deliver(kit.example))), ...step('retried', eventOf(kit.deliver(kit.example)))] });
    expect(found).toEqual([]);
  });
});
