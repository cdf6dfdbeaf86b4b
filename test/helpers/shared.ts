/**
 * Material outside the repository (`../shared`): the seed's OpenAPI document and the recorded Gemini
 * fixtures. Tests that need it skip, and say so, when it is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';

export const SHARED_DIR = new URL('../../../shared/', import.meta.url);
export const SEED_FILE = new URL('seed/000_5d057ed7fec7d75a.txt', SHARED_DIR);
export const FIXTURES_DIR = new URL('fixtures/gemini/', SHARED_DIR);

export const seedSkip: string | false = existsSync(SEED_FILE) ? false : 'the seed (../shared/seed) is absent';
export const fixturesSkip: string | false = existsSync(FIXTURES_DIR)
  ? false
  : 'the fixtures (../shared/fixtures) are absent';

export type Validator = (value: unknown) => string | undefined;

/** Validators for the seed's `ChatCompletionResponse` and `ErrorResponse` schemas. */
export function seedValidators(): { response: Validator; error: Validator } {
  const text = readFileSync(SEED_FILE, 'utf8');
  const start = text.indexOf('````yaml');
  const end = text.indexOf('````', start + 8);
  const yamlText = text.slice(text.indexOf('\n', start) + 1, end);
  const document = parseYaml(yamlText) as Record<string, unknown>;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...document, $id: 'seed' });
  const make = (name: string): Validator => {
    const validate = ajv.getSchema(`seed#/components/schemas/${name}`);
    if (!validate) throw new Error(`seed schema ${name} missing`);
    return (value) => (validate(value) ? undefined : ajv.errorsText(validate.errors));
  };
  return { response: make('ChatCompletionResponse'), error: make('ErrorResponse') };
}
