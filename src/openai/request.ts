/**
 * The OpenAI Chat Completions request, as Portico accepts it. One TypeBox schema gives the runtime
 * validation (compiled once), the TypeScript types and the OpenAPI document. Objects are closed where
 * Portico forwards their content, so a field Portico does not know is rejected instead of silently
 * travelling upstream; the top level drops unknown fields (see `KNOWN_REQUEST_FIELDS`).
 */
import { Type, type Static } from '@sinclair/typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const TextPart = Type.Object(
  { type: Type.Literal('text'), text: Type.String() },
  { additionalProperties: false },
);

export const ImagePart = Type.Object(
  {
    type: Type.Literal('image_url'),
    image_url: Type.Object(
      {
        url: Type.String({ minLength: 1 }),
        detail: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('low'), Type.Literal('high')])),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const AudioPart = Type.Object(
  {
    type: Type.Literal('input_audio'),
    input_audio: Type.Object(
      { data: Type.String({ minLength: 1 }), format: Type.String({ minLength: 1, maxLength: 32 }) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const FilePart = Type.Object(
  {
    type: Type.Literal('file'),
    file: Type.Object(
      {
        file_data: Type.Optional(Type.String()),
        file_id: Type.Optional(Type.String()),
        filename: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const RefusalPart = Type.Object(
  { type: Type.Literal('refusal'), refusal: Type.String() },
  { additionalProperties: false },
);

export const UserContentPart = Type.Union([TextPart, ImagePart, AudioPart, FilePart]);

export const ToolCall = Type.Object({
  id: Type.String(),
  type: Type.Literal('function'),
  function: Type.Object({ name: Type.String({ minLength: 1 }), arguments: Type.String() }),
  /** Google's OpenAI-compatible layer carries the thought signature here; accepted back. */
  extra_content: Type.Optional(Type.Unknown()),
});

const SystemMessage = Type.Object({
  role: Type.Union([Type.Literal('system'), Type.Literal('developer')]),
  content: Type.Union([Type.String(), Type.Array(TextPart)]),
  name: Type.Optional(Type.String()),
});

const UserMessage = Type.Object({
  role: Type.Literal('user'),
  content: Type.Union([Type.String(), Type.Array(UserContentPart, { minItems: 1 })]),
  name: Type.Optional(Type.String()),
});

const AssistantMessage = Type.Object({
  role: Type.Literal('assistant'),
  content: Type.Optional(
    Nullable(Type.Union([Type.String(), Type.Array(Type.Union([TextPart, RefusalPart]))])),
  ),
  name: Type.Optional(Type.String()),
  refusal: Type.Optional(Nullable(Type.String())),
  tool_calls: Type.Optional(Type.Array(ToolCall)),
  /** Non-standard but common (LiteLLM, DeepSeek): the reasoning text of an earlier turn. */
  reasoning_content: Type.Optional(Nullable(Type.String())),
});

/** Text, and (Gemini 3 takes them) images and files such as PDFs returned by a tool. */
export const ToolResultPart = Type.Union([TextPart, ImagePart, FilePart]);

const ToolMessage = Type.Object({
  role: Type.Literal('tool'),
  content: Type.Union([Type.String(), Type.Array(ToolResultPart)]),
  tool_call_id: Type.String({ minLength: 1 }),
});

export const Message = Type.Union([SystemMessage, UserMessage, AssistantMessage, ToolMessage]);

export const FunctionTool = Type.Object({
  type: Type.Literal('function'),
  function: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[a-zA-Z_][a-zA-Z0-9_.:-]*$' }),
    description: Type.Optional(Type.String()),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    strict: Type.Optional(Nullable(Type.Boolean())),
  }),
});

/**
 * Gemini's built-in (server-side) tools in a typed-tool style, e.g. `{"type": "google_search"}`; the
 * object under the tool's own name, when present, is its Gemini configuration (passed through).
 */
export const BUILTIN_TOOL_TYPES = ['google_search', 'url_context', 'code_execution', 'google_maps'] as const;
export type BuiltinToolType = (typeof BUILTIN_TOOL_TYPES)[number];

export const BuiltinTool = Type.Object(
  {
    type: Type.Union(BUILTIN_TOOL_TYPES.map((name) => Type.Literal(name))),
    google_search: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    url_context: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    code_execution: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    google_maps: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

export const WebSearchOptions = Type.Object(
  {
    search_context_size: Type.Optional(
      Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]),
    ),
    user_location: Type.Optional(
      Nullable(
        Type.Object({
          type: Type.Literal('approximate'),
          approximate: Type.Object({
            city: Type.Optional(Type.String()),
            country: Type.Optional(Type.String()),
            region: Type.Optional(Type.String()),
            timezone: Type.Optional(Type.String()),
          }),
        }),
      ),
    ),
  },
  { additionalProperties: false },
);

/** Anthropic-style thinking, as clients moving between providers send it. */
export const AnthropicThinking = Type.Object(
  {
    type: Type.Union([Type.Literal('enabled'), Type.Literal('disabled'), Type.Literal('adaptive')]),
    budget_tokens: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const AudioOutput = Type.Object(
  {
    voice: Type.Union([Type.String({ minLength: 1 }), Type.Object({ id: Type.String({ minLength: 1 }) })]),
    format: Type.Union(['wav', 'mp3', 'flac', 'opus', 'pcm16', 'aac'].map((format) => Type.Literal(format))),
  },
  { additionalProperties: false },
);

export const ToolChoice = Type.Union([
  Type.Literal('none'),
  Type.Literal('auto'),
  Type.Literal('required'),
  Type.Object({
    type: Type.Literal('function'),
    function: Type.Object({ name: Type.String({ minLength: 1 }) }),
  }),
]);

export const ResponseFormat = Type.Union([
  Type.Object({ type: Type.Literal('text') }),
  Type.Object({ type: Type.Literal('json_object') }),
  Type.Object({
    type: Type.Literal('json_schema'),
    json_schema: Type.Object({
      name: Type.String({ minLength: 1 }),
      description: Type.Optional(Type.String()),
      schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      strict: Type.Optional(Nullable(Type.Boolean())),
    }),
  }),
]);

export const ReasoningEffort = Type.Union([
  Type.Literal('none'),
  Type.Literal('minimal'),
  Type.Literal('low'),
  Type.Literal('medium'),
  Type.Literal('high'),
]);

export const ChatCompletionRequest = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 256 }),
  messages: Type.Array(Message, { minItems: 1, maxItems: 10_000 }),
  tools: Type.Optional(Type.Array(Type.Union([FunctionTool, BuiltinTool]), { maxItems: 512 })),
  tool_choice: Type.Optional(ToolChoice),
  parallel_tool_calls: Type.Optional(Type.Boolean()),
  response_format: Type.Optional(ResponseFormat),
  temperature: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 2 }))),
  top_p: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1 }))),
  n: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 8 }))),
  stop: Type.Optional(
    Nullable(Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 0, maxItems: 5 })])),
  ),
  max_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  max_completion_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  presence_penalty: Type.Optional(Nullable(Type.Number({ minimum: -2, maximum: 2 }))),
  frequency_penalty: Type.Optional(Nullable(Type.Number({ minimum: -2, maximum: 2 }))),
  seed: Type.Optional(Nullable(Type.Integer())),
  logprobs: Type.Optional(Nullable(Type.Boolean())),
  top_logprobs: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 20 }))),
  reasoning_effort: Type.Optional(Nullable(ReasoningEffort)),
  user: Type.Optional(Type.String({ maxLength: 256 })),
  metadata: Type.Optional(
    Nullable(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 512 }))),
  ),
  stream: Type.Optional(Nullable(Type.Boolean())),
  stream_options: Type.Optional(
    Nullable(
      Type.Object(
        { include_usage: Type.Optional(Type.Boolean()), include_obfuscation: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
    ),
  ),
  /*
   * Accepted so that no Chat Completions field is dropped in silence: each provider translates these or
   * refuses them with a 400 naming the field (or drops them when the model's `drop_unsupported_params`
   * switch says so). See docs/gemini-fields.md.
   */
  top_k: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  thinking: Type.Optional(Nullable(AnthropicThinking)),
  service_tier: Type.Optional(
    Nullable(Type.Union(['auto', 'default', 'flex', 'priority', 'scale'].map((tier) => Type.Literal(tier)))),
  ),
  prediction: Type.Optional(
    Nullable(
      Type.Object({
        type: Type.Literal('content'),
        content: Type.Union([Type.String(), Type.Array(TextPart)]),
      }),
    ),
  ),
  verbosity: Type.Optional(
    Nullable(Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')])),
  ),
  web_search_options: Type.Optional(Nullable(WebSearchOptions)),
  modalities: Type.Optional(
    Nullable(
      Type.Array(Type.Union([Type.Literal('text'), Type.Literal('image'), Type.Literal('audio')]), {
        minItems: 1,
        maxItems: 3,
      }),
    ),
  ),
  audio: Type.Optional(Nullable(AudioOutput)),
  logit_bias: Type.Optional(
    Nullable(Type.Record(Type.String(), Type.Number({ minimum: -100, maximum: 100 }))),
  ),
  store: Type.Optional(Nullable(Type.Boolean())),
  prompt_cache_key: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
  prompt_cache_retention: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
  safety_identifier: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  functions: Type.Optional(
    Nullable(Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 128 })),
  ),
  function_call: Type.Optional(Nullable(Type.Unknown())),
  /**
   * Provider-specific extras, namespaced by provider (`extra_body.google.{safety_settings,
   * cached_content, thinking_config}`). The `openai` SDK merges `extra_body` into the top level, so the
   * namespace may also arrive as a top-level `google` object.
   */
  extra_body: Type.Optional(
    Type.Object({ google: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
  ),
  google: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export type ChatCompletionRequest = Static<typeof ChatCompletionRequest>;
export type ChatMessage = Static<typeof Message>;
export type UserContentPart = Static<typeof UserContentPart>;
export type ToolCall = Static<typeof ToolCall>;
export type FunctionTool = Static<typeof FunctionTool>;
export type BuiltinTool = Static<typeof BuiltinTool>;
export type ToolResultPart = Static<typeof ToolResultPart>;
export type WebSearchOptions = Static<typeof WebSearchOptions>;
export type ToolChoice = Static<typeof ToolChoice>;
export type ResponseFormat = Static<typeof ResponseFormat>;
export type ReasoningEffort = Static<typeof ReasoningEffort>;

/** The top-level fields Portico knows; anything else is dropped before translation. */
export const KNOWN_REQUEST_FIELDS: ReadonlySet<string> = new Set(
  Object.keys(ChatCompletionRequest.properties),
);
