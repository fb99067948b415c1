import { InvalidOptionError } from './errors.js';

/**
 * Checks one option and fills in its default: returns the value to use, or throws an
 * {@link InvalidOptionError} naming `name`, what was expected and what came. `resolved`
 * holds the options checked before this one (the schema's order), for a check that depends
 * on another (`drainDelay` on `deadline`).
 */
export type OptionCheck<T> = (value: unknown, name: string, resolved: Readonly<Record<string, unknown>>) => T;

/** What a schema of checks resolves to: each option's checked value. */
export type Resolved<S> = { readonly [K in keyof S]: S[K] extends OptionCheck<infer T> ? T : never };

/**
 * Checks `options` against `schema`, key by key in the schema's order: a key the schema
 * does not have is an unknown option (most often a typo), named with the known ones.
 */
export function resolveOptions<S extends Readonly<Record<string, OptionCheck<unknown>>>>(
  schema: S,
  options: unknown,
  name = 'options',
): Resolved<S> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError(name, 'an object', options);
  }
  const prefix = name === 'options' ? '' : `${name}.`;
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(schema, key)) throw InvalidOptionError.unknown(`${prefix}${key}`, Object.keys(schema));
  }
  const resolved: Record<string, unknown> = {};
  for (const [key, checkOption] of Object.entries(schema)) {
    resolved[key] = checkOption((options as Record<string, unknown>)[key], `${prefix}${key}`, resolved);
  }
  return resolved as Resolved<S>;
}

/** Throws an {@link InvalidOptionError} unless `ok`. */
export function check(name: string, ok: boolean, expected: string, received: unknown): void {
  if (!ok) throw new InvalidOptionError(name, expected, received);
}

/** An integer from `min` to `max`, `fallback` when not given. */
export function integer<F extends number | undefined>(fallback: F, min: number, max = Number.MAX_SAFE_INTEGER, unit = ''): OptionCheck<number | F> {
  const unbounded = max === Number.MAX_SAFE_INTEGER;
  const expected = unbounded && min === 1 ? 'a positive integer' : `an integer ${unbounded ? `>= ${min}` : `from ${min} to ${max}`}`;
  return (value, name) => {
    if (value === undefined) return fallback;
    check(name, Number.isInteger(value) && (value as number) >= min && (value as number) <= max, `${expected}${unit}`, value);
    return value as number;
  };
}

/** Milliseconds: a finite number >= `min`, `fallback` when not given. */
export function milliseconds(fallback: number, min = 0): OptionCheck<number> {
  return (value, name) => {
    if (value === undefined) return fallback;
    check(name, typeof value === 'number' && Number.isFinite(value) && value >= min, `a finite number ${min === 0 ? '>= 0' : `> ${min - 1}`} (milliseconds)`, value);
    return value as number;
  };
}

/** One of `values`, the first when not given. */
export function oneOf<T extends string>(...values: readonly T[]): OptionCheck<T> {
  return (value, name) => {
    if (value === undefined) return values[0]!;
    check(name, values.includes(value as T), `one of ${values.map((v) => `\`'${v}'\``).join(', ')}`, value);
    return value as T;
  };
}
