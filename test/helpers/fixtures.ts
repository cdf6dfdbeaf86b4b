/**
 * The recorded material the tests compare against, kept in the repository under test/fixtures/: the
 * Gemini exchanges (with SOURCES.md) and the seed's response and error schemas. They ship with the
 * repository, so a missing file is a broken checkout: the tests that read it fail, here and in CI,
 * naming the file (never a skip).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';

const GEMINI_FIXTURES = new URL('../fixtures/gemini/', import.meta.url);
const SEED_SCHEMAS = new URL('../fixtures/seed/chat-completions.schemas.json', import.meta.url);

if (!existsSync(new URL('SOURCES.md', GEMINI_FIXTURES)))
  throw new Error(
    `the recorded Gemini fixtures are missing: ${fileURLToPath(GEMINI_FIXTURES)}SOURCES.md not found ` +
      '(they ship with the repository under test/fixtures/gemini)',
  );

export function geminiFixtureBytes(name: string): Buffer {
  return readFileSync(new URL(name, GEMINI_FIXTURES));
}

export function geminiFixtureText(name: string): string {
  return geminiFixtureBytes(name).toString('utf8');
}

export type Validator = (value: unknown) => string | undefined;

/** Validators for the seed's `ChatCompletionResponse` and `ErrorResponse` schemas. */
export function seedValidators(): { response: Validator; error: Validator } {
  const document = JSON.parse(readFileSync(SEED_SCHEMAS, 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...document, $id: 'seed' });
  const make = (name: string): Validator => {
    const validate = ajv.getSchema(`seed#/components/schemas/${name}`);
    if (!validate) throw new Error(`seed schema ${name} missing`);
    return (value) => (validate(value) ? undefined : ajv.errorsText(validate.errors));
  };
  return { response: make('ChatCompletionResponse'), error: make('ErrorResponse') };
}
