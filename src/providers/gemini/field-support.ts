/**
 * No silent drops (docs/gemini-fields.md). Every Chat Completions field Portico accepts is, for Gemini,
 * either translated, accepted because it asks nothing of the model, or refused with a 400 naming it —
 * per model capability. A model whose `drop_unsupported_params` switch is on drops the refused fields
 * instead (and only those), for clients that send OpenAI-only fields they do not depend on.
 *
 * `GEMINI_FIELDS` is the table the docs show; a test checks the two against each other, and that every
 * field of the request schema has a row, so a new field cannot arrive without a decision.
 */
import type { ChatCompletionRequest } from '../../openai/request.ts';
import { invalidRequestError } from './errors.ts';
import type { Capabilities } from './model-capabilities.ts';
import type { ModelTraits } from '../provider.ts';

export type FieldHandling =
  /** Mapped onto Gemini. */
  | 'translated'
  /** Asks nothing of the model (bookkeeping for the client or the gateway); nothing to send. */
  | 'accepted'
  /** Translated where the model can do it; elsewhere refused (or dropped by the switch). */
  | 'capability'
  /** Gemini has no equivalent: refused with a 400 naming it, or dropped by the switch. */
  | 'refused';

export interface FieldRow {
  readonly handling: FieldHandling;
  readonly gemini: string;
}

export const GEMINI_FIELDS: Readonly<Record<string, FieldRow>> = {
  model: { handling: 'translated', gemini: 'the deployment model in the URL path' },
  messages: { handling: 'translated', gemini: '`systemInstruction` + `contents`' },
  tools: {
    handling: 'capability',
    gemini:
      '`functionDeclarations`; typed built-in tools → `googleSearch` / `urlContext` / `codeExecution` / `googleMaps`',
  },
  tool_choice: { handling: 'translated', gemini: '`toolConfig.functionCallingConfig`' },
  parallel_tool_calls: {
    handling: 'refused',
    gemini: '`true` is what Gemini does anyway (translated); `false` has no equivalent',
  },
  response_format: { handling: 'translated', gemini: '`responseMimeType` + `responseJsonSchema`' },
  temperature: { handling: 'translated', gemini: '`temperature`' },
  top_p: { handling: 'translated', gemini: '`topP`' },
  top_k: { handling: 'translated', gemini: '`topK`' },
  n: { handling: 'translated', gemini: '`candidateCount`' },
  stop: { handling: 'translated', gemini: '`stopSequences`' },
  max_tokens: { handling: 'translated', gemini: '`maxOutputTokens` (the billed cap)' },
  max_completion_tokens: { handling: 'translated', gemini: '`maxOutputTokens` (the billed cap)' },
  presence_penalty: {
    handling: 'capability',
    gemini:
      '`presencePenalty`; 0 is the default and is not sent; refused where the model has no penalties (2.5)',
  },
  frequency_penalty: {
    handling: 'capability',
    gemini:
      '`frequencyPenalty`; 0 is the default and is not sent; refused where the model has no penalties (2.5)',
  },
  seed: { handling: 'translated', gemini: '`seed`' },
  logprobs: { handling: 'capability', gemini: '`responseLogprobs`; back as `choices[].logprobs.content[]`' },
  top_logprobs: { handling: 'capability', gemini: '`logprobs`' },
  reasoning_effort: {
    handling: 'capability',
    gemini:
      '`thinkingConfig.thinkingLevel` (Gemini 3) / `thinkingBudget` (2.5); refused on models without thinking',
  },
  thinking: {
    handling: 'capability',
    gemini: 'Anthropic-style `{type, budget_tokens}` → `thinkingConfig`',
  },
  service_tier: {
    handling: 'capability',
    gemini:
      '`serviceTier`: `default` → `standard`, `flex`, `priority`; `auto` sends nothing; `scale` refused',
  },
  prediction: { handling: 'refused', gemini: 'no predicted outputs in Gemini' },
  verbosity: { handling: 'refused', gemini: 'no verbosity knob in Gemini' },
  web_search_options: {
    handling: 'capability',
    gemini:
      '`tools: [{googleSearch: {}}]`; `search_context_size` other than `medium` and `user_location` refused',
  },
  modalities: {
    handling: 'capability',
    gemini:
      '`responseModalities`; `image` only on image models, `audio` only on speech models (`["text", "audio"]` there means speech)',
  },
  audio: {
    handling: 'capability',
    gemini: '`speechConfig.voiceConfig` (speech models; format `pcm16` or `wav`)',
  },
  logit_bias: { handling: 'refused', gemini: 'no token bias in Gemini' },
  store: { handling: 'refused', gemini: '`false` is honoured (nothing is stored); `true` has no equivalent' },
  prompt_cache_key: { handling: 'accepted', gemini: 'a routing hint; Gemini caches implicitly' },
  prompt_cache_retention: { handling: 'refused', gemini: 'no retention knob for implicit caching' },
  safety_identifier: { handling: 'accepted', gemini: 'an end-user id for abuse monitoring; not sent' },
  user: { handling: 'accepted', gemini: 'an end-user id; not sent' },
  metadata: { handling: 'accepted', gemini: 'client tags; not sent' },
  functions: { handling: 'refused', gemini: 'deprecated; use `tools`' },
  function_call: { handling: 'refused', gemini: 'deprecated; use `tool_choice`' },
  stream: { handling: 'translated', gemini: '`streamGenerateContent?alt=sse`' },
  stream_options: {
    handling: 'accepted',
    gemini:
      "`include_usage` is the gateway's; `include_obfuscation` accepted, Portico chunks carry no padding",
  },
  extra_body: {
    handling: 'translated',
    gemini: '`google.{safety_settings, cached_content, thinking_config, tools}`',
  },
  google: { handling: 'translated', gemini: 'the same as `extra_body.google` (the SDK merges `extra_body`)' },
};

export interface FieldCheck {
  /** The request as it is to be translated: a shallow copy without the fields the switch dropped. */
  readonly request: ChatCompletionRequest;
  /** Params dropped by the switch, for logs and tests. */
  readonly dropped: readonly string[];
}

type Mutable = { -readonly [K in keyof ChatCompletionRequest]: ChatCompletionRequest[K] };

/** Checks the request against the model; throws the 400, or drops when the switch is on. */
export function checkFields(
  request: ChatCompletionRequest,
  capabilities: Capabilities,
  traits: ModelTraits,
  model: string,
): FieldCheck {
  const copy: Mutable = { ...request };
  const dropped: string[] = [];
  const refuse = (param: string, reason: string, drop: () => void): void => {
    if (!capabilities.dropUnsupportedParams) {
      throw invalidRequestError(`${param} is not supported by ${model}: ${reason}`, param);
    }
    drop();
    dropped.push(param);
  };
  const without = (field: keyof ChatCompletionRequest) => () => {
    delete copy[field];
  };

  if (request.parallel_tool_calls === false) {
    refuse(
      'parallel_tool_calls',
      'Gemini cannot be limited to one call per turn',
      without('parallel_tool_calls'),
    );
  }
  if (request.prediction != null)
    refuse('prediction', 'Gemini has no predicted outputs', without('prediction'));
  if (request.verbosity != null) refuse('verbosity', 'Gemini has no verbosity setting', without('verbosity'));
  if (request.logit_bias != null && Object.keys(request.logit_bias).length > 0) {
    refuse('logit_bias', 'Gemini has no token bias', without('logit_bias'));
  }
  if (request.store === true) refuse('store', 'Portico does not store completions', without('store'));
  if (request.prompt_cache_retention != null) {
    refuse(
      'prompt_cache_retention',
      'Gemini caches implicitly, without a retention setting',
      without('prompt_cache_retention'),
    );
  }
  if (request.functions != null) refuse('functions', 'deprecated; send tools', without('functions'));
  if (request.function_call != null)
    refuse('function_call', 'deprecated; send tool_choice', without('function_call'));
  if (request.service_tier === 'scale')
    refuse('service_tier', 'Gemini has no scale tier', without('service_tier'));

  for (const field of ['presence_penalty', 'frequency_penalty'] as const) {
    const value = request[field];
    if (value != null && value !== 0 && !capabilities.penalties) {
      refuse(field, 'the model has no penalties', without(field));
    }
  }
  if (!capabilities.logprobs) {
    if (request.logprobs === true) refuse('logprobs', 'the model returns no logprobs', without('logprobs'));
    if (request.top_logprobs != null && request.top_logprobs > 0) {
      refuse('top_logprobs', 'the model returns no logprobs', without('top_logprobs'));
    }
  }
  const thinks = traits.thinking !== 'none';
  if (!thinks && request.reasoning_effort != null && request.reasoning_effort !== 'none') {
    refuse('reasoning_effort', 'the model does not think', without('reasoning_effort'));
  }
  if (!thinks && request.thinking != null && request.thinking.type !== 'disabled') {
    refuse('thinking', 'the model does not think', without('thinking'));
  }
  const functionTools = (request.tools ?? []).filter((tool) => tool.type === 'function').length;
  if (
    functionTools === 0 &&
    (request.tool_choice === 'required' || typeof request.tool_choice === 'object')
  ) {
    // A call is demanded but there is no function to call; Gemini's calling config needs declarations.
    throw invalidRequestError(
      'tool_choice demands a function call, but tools declares no function',
      'tool_choice',
    );
  }
  checkModalities(request, copy, capabilities, refuse);
  checkSearch(request, copy, capabilities, refuse);
  return { request: copy, dropped };
}

type Refuse = (param: string, reason: string, drop: () => void) => void;

function checkModalities(
  request: ChatCompletionRequest,
  copy: Mutable,
  capabilities: Capabilities,
  refuse: Refuse,
) {
  const output = capabilities.output;
  let asked = request.modalities ?? undefined;
  // OpenAI has no audio-only request: ["text", "audio"] asks for speech (plus its transcript). A speech
  // model generates the audio alone, so "text" next to "audio" is honoured as speech.
  if (asked?.includes('audio') && !output.includes('text') && output.includes('audio')) {
    asked = asked.filter((modality) => modality !== 'text');
    copy.modalities = asked;
  }
  if (asked !== undefined) {
    const missing = asked.filter((modality) => !output.includes(modality));
    if (missing.length > 0) {
      const wanted = asked;
      refuse('modalities', `the model cannot generate ${missing.join(', ')}`, () => {
        const kept = wanted.filter((modality) => output.includes(modality));
        if (kept.length > 0) copy.modalities = kept;
        else delete copy.modalities;
      });
    }
  }
  if (request.audio != null) {
    if (!output.includes('audio')) {
      refuse('audio', 'the model does not generate speech', () => delete copy.audio);
    } else if (request.audio.format !== 'pcm16' && request.audio.format !== 'wav') {
      refuse(
        'audio',
        `Gemini speech is raw PCM; format ${request.audio.format} is not available (use pcm16 or wav)`,
        () => {
          delete copy.audio;
        },
      );
    }
  }
}

function checkSearch(
  request: ChatCompletionRequest,
  copy: Mutable,
  capabilities: Capabilities,
  refuse: Refuse,
) {
  const builtin = capabilities.builtinTools;
  const options = request.web_search_options;
  if (options != null) {
    if (!builtin.includes('google_search')) {
      refuse(
        'web_search_options',
        'the model has no Google Search grounding',
        () => delete copy.web_search_options,
      );
    } else if (options.search_context_size !== undefined && options.search_context_size !== 'medium') {
      refuse('web_search_options.search_context_size', 'Gemini decides how much to search', () => {
        copy.web_search_options = { ...options, search_context_size: undefined };
      });
    } else if (options.user_location != null) {
      refuse('web_search_options.user_location', 'Gemini search takes no approximate location', () => {
        copy.web_search_options = { ...(copy.web_search_options ?? {}), user_location: undefined };
      });
    }
  }
  const tools = request.tools;
  if (tools === undefined) return;
  const kept = tools.filter((tool, index) => {
    if (tool.type === 'function' || builtin.includes(tool.type)) return true;
    let dropIt = false;
    refuse(`tools[${index}]`, `the model has no ${tool.type} tool`, () => {
      dropIt = true;
    });
    return !dropIt;
  });
  if (kept.length !== tools.length) copy.tools = kept;
}
