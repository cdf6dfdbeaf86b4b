/** The `portico.yaml` schema (DESIGN.md §5). Unknown keys are errors, so a typo fails fast. */
import { Type, type Static } from '@sinclair/typebox';
import { HardeningServerFields } from './hardening.ts';
import { ApiKeysField } from './provider-keys.ts';
import { VertexProviderFields } from './provider-vertex.ts';

const Timeouts = Type.Object(
  {
    connect_ms: Type.Optional(Type.Integer({ minimum: 1 })),
    first_byte_ms: Type.Optional(Type.Integer({ minimum: 1 })),
    idle_ms: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

const Provider = Type.Object(
  {
    type: Type.Union([
      Type.Literal('gemini'),
      Type.Literal('vertex'),
      Type.Literal('openai'),
      Type.Literal('anthropic'),
      Type.Literal('simulator'),
    ]),
    base_url: Type.Optional(Type.String({ minLength: 1 })),
    api_key: Type.Optional(Type.String()),
    /** A key pool: strings or `{ key, label, weight }` (provider-keys.ts). */
    api_keys: Type.Optional(ApiKeysField),
    /** `type: vertex` only (provider-vertex.ts). */
    ...VertexProviderFields,
    timeouts: Type.Optional(Timeouts),
  },
  { additionalProperties: false },
);

const PriceTier = Type.Object(
  {
    above_prompt_tokens: Type.Integer({ minimum: 0 }),
    input: Type.Number({ minimum: 0 }),
    cached_input: Type.Optional(Type.Number({ minimum: 0 })),
    output: Type.Number({ minimum: 0 }),
    input_audio: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

const Pricing = Type.Object(
  {
    input: Type.Number({ minimum: 0 }),
    cached_input: Type.Optional(Type.Number({ minimum: 0 })),
    output: Type.Number({ minimum: 0 }),
    /** USD per 1M generated image tokens (Gemini image models); default: the output price. */
    output_image: Type.Optional(Type.Number({ minimum: 0 })),
    /** USD per 1M generated audio tokens (speech models); default: the output price. */
    output_audio: Type.Optional(Type.Number({ minimum: 0 })),
    /** USD per 1,000 grounded requests (Google Search / Maps grounding); default 0. */
    grounding_per_1k: Type.Optional(Type.Number({ minimum: 0 })),
    /** USD per 1M uncached audio input tokens; default: the input price. */
    input_audio: Type.Optional(Type.Number({ minimum: 0 })),
    /** Long-prompt rates (billing/prices.ts `tierPricing`), thresholds increasing. */
    tiers: Type.Optional(Type.Array(PriceTier, { minItems: 1 })),
    /** When this price starts (ISO 8601); a model may list several (config/model-pricing.ts). */
    effective_from: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

const Capabilities = Type.Object(
  {
    output: Type.Optional(
      Type.Array(Type.Union([Type.Literal('text'), Type.Literal('image'), Type.Literal('audio')]), {
        minItems: 1,
      }),
    ),
    builtin_tools: Type.Optional(
      Type.Array(
        Type.Union([
          Type.Literal('google_search'),
          Type.Literal('url_context'),
          Type.Literal('code_execution'),
          Type.Literal('google_maps'),
        ]),
      ),
    ),
    logprobs: Type.Optional(Type.Boolean()),
    /** The model makes embeddings (POST /v1/embeddings, :embedContent), not chat (ADR 085). */
    embedding: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const Deployment = Type.Object(
  {
    provider: Type.String({ minLength: 1 }),
    model: Type.Optional(Type.String({ minLength: 1 })),
    weight: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

const Model = Type.Object(
  {
    deployments: Type.Optional(Type.Array(Deployment, { minItems: 1 })),
    /** One price, or several with `effective_from` (the one in effect bills each request). */
    pricing: Type.Optional(Type.Union([Pricing, Type.Array(Pricing, { minItems: 1 })])),
    max_output_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
    context_window: Type.Optional(Type.Integer({ minimum: 1 })),
    fallbacks: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    aliases: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    thinking: Type.Optional(
      Type.Union([Type.Literal('level'), Type.Literal('budget'), Type.Literal('none')]),
    ),
    /** What the model can do beyond text (default: the catalogue's, else guessed from the name). */
    capabilities: Type.Optional(Capabilities),
    /**
     * Drop request fields the model cannot honour instead of refusing them with a 400
     * (docs/gemini-fields.md lists which fields this concerns).
     */
    drop_unsupported_params: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * Upstream resources (Gemini cached contents, uploaded files) an operator lets accounts reference by
 * name. Anything not listed is refused (403): the names live in the operator's project, shared by every
 * tenant. `tokens` is what one use puts in the prompt (held with the request; cached contents).
 */
const UpstreamRef = Type.Object(
  {
    accounts: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    tokens: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const ConfigFile = Type.Object(
  {
    upstream_refs: Type.Optional(
      Type.Object(
        {
          cached_contents: Type.Optional(Type.Record(Type.String({ minLength: 1 }), UpstreamRef)),
          files: Type.Optional(Type.Record(Type.String({ minLength: 1 }), UpstreamRef)),
        },
        { additionalProperties: false },
      ),
    ),
    server: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Type.String()),
          port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
          max_body_mb: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1024 })),
          max_concurrency: Type.Optional(Type.Integer({ minimum: 1 })),
          log_level: Type.Optional(Type.String()),
          ...HardeningServerFields,
          /** How long one SSE write may wait for a client that stopped reading before it is cut off. */
          sse_write_timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    database: Type.Optional(
      Type.Object({ url: Type.Optional(Type.String()) }, { additionalProperties: false }),
    ),
    redis: Type.Optional(Type.Object({ url: Type.Optional(Type.String()) }, { additionalProperties: false })),
    providers: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Provider)),
    models: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Model)),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigFile>;
