/**
 * One way to validate every public options object: a strict zod schema per API, declared once
 * with `defineOptions`, parsed with `parseOptions`. An unknown key is an `ERR_INVALID_OPTION`
 * that names the key, suggests the closest known one (`authorise` → `authorize`), and — when the
 * key is an option of another API (`authorize` handed to `hub.attach`) — says where it belongs.
 *
 * Every schema registers its keys in a process-wide table so that hint works across APIs.
 */
import { z } from 'zod';
import { closest } from './closest-key.js';
import { StatusMessengerError } from './errors.js';

export { closest };

type AnyObjectSchema = z.ZodObject<z.ZodRawShape>;

/** A declared options schema: the API it belongs to (as users write it) and its strict shape. */
export interface OptionsSpec<S extends AnyObjectSchema> {
  readonly api: string;
  readonly schema: S;
}

/** key → the APIs that accept it, for "belongs to" hints. */
const KEY_HOMES = new Map<string, Set<string>>();

/**
 * Declares the options of one API. `api` is how users call it (`'new StatusHub(options)'`,
 * `'hub.attach(server, options)'`). The schema is made strict here, nested objects too when
 * they are declared with `z.strictObject`.
 */
export function defineOptions<T extends z.ZodRawShape>(api: string, shape: T): OptionsSpec<z.ZodObject<T>> {
  const schema = z.strictObject(shape) as unknown as z.ZodObject<T>;
  for (const key of Object.keys(shape)) {
    let homes = KEY_HOMES.get(key);
    if (!homes) KEY_HOMES.set(key, (homes = new Set()));
    homes.add(api);
  }
  return { api, schema };
}

/**
 * Parses `input` (undefined → `{}`) against `spec`. Throws `ERR_INVALID_OPTION` naming one
 * problem: an unknown key if there is one (with a suggestion and its home), else the first bad
 * value (with the expected shape and the value given). Keys whose value is `undefined` are treated as absent.
 */
export function parseOptions<S extends AnyObjectSchema>(spec: OptionsSpec<S>, input: unknown): z.output<S> {
  if (input === undefined) input = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new StatusMessengerError(
      'ERR_INVALID_OPTION',
      `${spec.api}: expected the options to be an object, got \`${show(input)}\``,
    );
  }
  const result = spec.schema.safeParse(stripUndefined(input as Record<string, unknown>));
  if (result.success) return result.data;
  // An unknown key first: a misspelt required key (`userID`) also makes the required one missing.
  const issues = result.error.issues;
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  throw new StatusMessengerError('ERR_INVALID_OPTION', describeIssue(spec, issue, input));
}

function describeIssue(spec: OptionsSpec<AnyObjectSchema>, issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'invalid_union') {
    // A value of the right shape with one bad field (`inboundRateLimit: { messages: 0 }`): name the field.
    const deeper = issue.errors.map((branch) => branch[0]).find((inner) => inner !== undefined && inner.path.length > 0);
    if (deeper) return describeIssue(spec, { ...deeper, path: [...issue.path, ...deeper.path] } as z.core.$ZodIssue, input);
  }
  const prefix = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const full = [...prefix, key].join('.');
    const known = knownKeysAt(spec.schema, prefix);
    const hints: string[] = [];
    const close = closest(key, known);
    if (close) hints.push(`did you mean \`${[...prefix, close].join('.')}\`?`);
    if (prefix.length === 0) {
      const homes = [...(KEY_HOMES.get(key) ?? [])].filter((api) => api !== spec.api);
      if (homes.length > 0) hints.push(`\`${key}\` is an option of ${homes.map((h) => `\`${h}\``).join(' and ')}`);
    }
    const known_ = known.length > 0 ? ` Known options: ${known.join(', ')}.` : '';
    return `${spec.api}: unknown option \`${full}\`${hints.length ? ` (${hints.join('; ')})` : ''}.${known_}`;
  }
  const name = prefix.join('.') || 'options';
  const value = valueAt(input, issue.path);
  return `${spec.api}: Expected \`${name}\` to be ${expectation(issue)}, got \`${show(value)}\``;
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `${article(issue.expected)}`;
    case 'too_small':
      return issue.origin === 'number'
        ? `${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}`
        : `at least ${String(issue.minimum)} long`;
    case 'too_big':
      return issue.origin === 'number'
        ? `${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}`
        : `at most ${String(issue.maximum)} long`;
    case 'invalid_value':
      return issue.values.length === 1
        ? JSON.stringify(issue.values[0])
        : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      // Each branch failed at the top: name what each would have taken ("false or an object").
      return issue.errors.map((branch) => (branch[0] ? expectation(branch[0]) : 'valid')).join(' or ');
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

function article(type: string): string {
  if (type === 'int') return 'an integer';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function knownKeysAt(schema: AnyObjectSchema, path: readonly string[]): string[] {
  let node: unknown = schema;
  for (const segment of path) {
    const inner = unwrap(node);
    const shape = (inner as { shape?: Record<string, unknown> } | undefined)?.shape;
    if (!shape || !(segment in shape)) return [];
    node = shape[segment];
  }
  const shape = (unwrap(node) as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

/** Looks through optional/default/nullable/union wrappers to the first object schema. */
function unwrap(node: unknown): unknown {
  for (let i = 0; i < 8 && node; i++) {
    if ((node as { shape?: unknown }).shape) return node;
    const def = (node as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return node;
    if (def.innerType) node = def.innerType;
    else if (Array.isArray(def.options)) node = def.options.find((o) => (o as { shape?: unknown }).shape) ?? def.options[0];
    else return node;
  }
  return node;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function stripUndefined(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out;
}

/** Deep-freezes a defaults object so `HUB_DEFAULTS.maxPayload = 1` throws in strict mode. */
export function frozenDefaults<T extends object>(value: T): Readonly<T> {
  for (const v of Object.values(value)) if (typeof v === 'object' && v !== null) frozenDefaults(v);
  return Object.freeze(value);
}

/** zod helpers shared by the schemas. */
export const opt = {
  positiveInt: () =>
    z.custom<number>((v) => Number.isSafeInteger(v) && (v as number) > 0, { message: 'a positive integer' }),
  nonNegativeInt: () =>
    z.custom<number>((v) => Number.isSafeInteger(v) && (v as number) >= 0, { message: 'a non-negative integer' }),
  fn: <T extends (...args: never[]) => unknown>() =>
    z.custom<T>((v) => typeof v === 'function', { message: 'a function' }),
  /** Duck-typed: `instanceof` fails for a signal from another realm (a test VM, an iframe). */
  abortSignal: () =>
    z.custom<AbortSignal>(
      (v) => typeof (v as AbortSignal | null)?.aborted === 'boolean' && typeof (v as AbortSignal).addEventListener === 'function',
      { message: 'an AbortSignal' },
    ),
};
