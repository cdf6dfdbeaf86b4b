/**
 * OpenAI chat completions as the simulator speaks them: reading a request into a `GenerationRequest`,
 * and writing the JSON answer, the SSE chunks (`data: {...}\n\n`, `data: [DONE]` last) and errors.
 */
import type { GenerationPlan, GenerationRequest, ChoicePlan } from './generation-plan.ts';
import {
  isRecord,
  MEDIA_PART_TOKENS,
  positiveInteger,
  reasoningForLevel,
  RequestError,
  type Frame,
  type StreamScript,
  type UsageMode,
} from './protocol.ts';
import { countTokens, hashText, poolPieces, poolText } from './text-generator.ts';
import type { RequestSettings } from './request-settings.ts';

const REASONING_SEED_OFFSET = 101;

function contentText(content: unknown, prompt: GenerationRequest['prompt']): string {
  if (typeof content === 'string') {
    prompt.text += countTokens(content);
    return content;
  }
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (!isRecord(part)) continue;
    switch (part.type) {
      case 'text':
        if (typeof part.text === 'string') {
          prompt.text += countTokens(part.text);
          text += part.text;
        }
        break;
      case 'image_url':
        prompt.image += MEDIA_PART_TOKENS;
        break;
      case 'input_audio':
        prompt.audio += MEDIA_PART_TOKENS;
        break;
      default:
        prompt.document += MEDIA_PART_TOKENS;
    }
  }
  return text;
}

export function readOpenAIRequest(
  body: Record<string, unknown>,
  settings: RequestSettings,
): GenerationRequest {
  const model = body.model;
  if (typeof model !== 'string' || model.length === 0)
    throw new RequestError('you must provide a model parameter', 'model');
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new RequestError("'messages' must be a non-empty array", 'messages');
  }
  const maxOutputTokens =
    positiveInteger(body.max_completion_tokens, 'max_completion_tokens') ??
    positiveInteger(body.max_tokens, 'max_tokens');
  const choices = positiveInteger(body.n, 'n') ?? 1;
  if (choices > 128) throw new RequestError('n must be at most 128', 'n');

  const prompt = { text: 0, image: 0, audio: 0, video: 0, document: 0 };
  let lastUserText = '';
  let lastRole: unknown = undefined;
  for (const message of messages) {
    if (!isRecord(message)) throw new RequestError('each message must be an object', 'messages');
    lastRole = message.role;
    const text = contentText(message.content, prompt);
    if (message.role === 'user') lastUserText = text;
    if (Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls) {
        const fn = isRecord(call) && isRecord(call.function) ? call.function : undefined;
        if (typeof fn?.name === 'string') prompt.text += countTokens(fn.name);
        if (typeof fn?.arguments === 'string') prompt.text += countTokens(fn.arguments);
      }
    }
  }
  const tools = Array.isArray(body.tools) ? body.tools : [];
  if (tools.length > 0) prompt.text += countTokens(JSON.stringify(tools));

  const firstTool = isRecord(tools[0]) && isRecord(tools[0].function) ? tools[0].function : undefined;
  const wantsCall =
    lastRole !== 'tool' &&
    (settings.toolCall || (lastRole === 'user' && lastUserText.toLowerCase().includes('weather')));
  const effort = body.reasoning_effort;
  return {
    model,
    stream: body.stream === true,
    maxOutputTokens,
    choices,
    prompt,
    seed: hashText(lastUserText),
    reasoningTokens: typeof effort === 'string' ? reasoningForLevel(effort) : 0,
    toolCall:
      wantsCall && typeof firstTool?.name === 'string'
        ? { name: firstTool.name, schema: firstTool.parameters }
        : null,
    cachedTokens: settings.cachedTokens ?? 0,
    cachedContentAddsToPrompt: false,
  };
}

function finishReason(choice: ChoicePlan): string {
  if (choice.toolCall) return 'tool_calls';
  return choice.truncated ? 'length' : 'stop';
}

function usage(plan: GenerationPlan, mode: UsageMode): Record<string, unknown> {
  const zero = mode === 'zero';
  const prompt = zero ? 0 : plan.promptTokens;
  const completion = zero ? 0 : plan.completionTokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: {
      cached_tokens: zero ? 0 : plan.cachedTokens,
      audio_tokens: zero ? 0 : plan.prompt.audio,
    },
    completion_tokens_details: {
      reasoning_tokens: zero ? 0 : plan.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function toolCallJson(choice: ChoicePlan): Record<string, unknown>[] | undefined {
  const call = choice.toolCall;
  if (!call) return undefined;
  return [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }];
}

export function openAICompletionBody(
  plan: GenerationPlan,
  id: string,
  created: number,
  mode: UsageMode,
): string {
  const choices = plan.choices.map((choice) => {
    const message: Record<string, unknown> = {
      role: 'assistant',
      content: choice.toolCall ? null : poolText(choice.seed, choice.textTokens),
      refusal: null,
    };
    if (choice.reasoningTokens > 0) {
      message.reasoning_content = poolText(choice.seed + REASONING_SEED_OFFSET, choice.reasoningTokens);
    }
    const toolCalls = toolCallJson(choice);
    if (toolCalls) message.tool_calls = toolCalls;
    message.annotations = [];
    return { index: choice.index, message, logprobs: null, finish_reason: finishReason(choice) };
  });
  const answer: Record<string, unknown> = {
    id,
    object: 'chat.completion',
    created,
    model: plan.model,
    choices,
    service_tier: 'default',
    system_fingerprint: 'fp_simulator',
  };
  if (mode !== 'none') answer.usage = usage(plan, mode);
  return JSON.stringify(answer);
}

interface Delta {
  readonly delta: Record<string, unknown>;
  readonly tokens: number;
  readonly reasoning: number;
}

/** The deltas of one choice, in order: reasoning, then text pieces or the tool call. */
function choiceDeltas(choice: ChoicePlan, chunkCount: number): Delta[] {
  const deltas: Delta[] = [];
  if (choice.reasoningTokens > 0) {
    const text = poolText(choice.seed + REASONING_SEED_OFFSET, choice.reasoningTokens);
    deltas.push({
      delta: { reasoning_content: text },
      tokens: choice.reasoningTokens,
      reasoning: choice.reasoningTokens,
    });
  }
  if (choice.toolCall) {
    const call = choice.toolCall;
    const head = { index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
    deltas.push({
      delta: { content: null, tool_calls: [head] },
      tokens: countTokens(call.name),
      reasoning: 0,
    });
    const rest = call.tokens - countTokens(call.name);
    deltas.push({
      delta: { tool_calls: [{ index: 0, function: { arguments: call.arguments } }] },
      tokens: rest,
      reasoning: 0,
    });
  } else {
    for (const piece of poolPieces(choice.seed, choice.textTokens, chunkCount)) {
      deltas.push({ delta: { content: piece.text }, tokens: piece.tokens, reasoning: 0 });
    }
  }
  if (deltas.length === 0) deltas.push({ delta: { content: '' }, tokens: 0, reasoning: 0 });
  const first = deltas[0] as Delta;
  deltas[0] = { ...first, delta: { role: 'assistant', ...first.delta } };
  return deltas;
}

export function openAIStreamScript(
  plan: GenerationPlan,
  id: string,
  created: number,
  chunkCount: number,
  mode: UsageMode,
  includeUsage: boolean,
): StreamScript {
  const head = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(plan.model)},"system_fingerprint":"fp_simulator","choices":[`;
  const tail = includeUsage && mode !== 'none' ? ']' + ',"usage":null}' : ']}';
  const event = (choiceJson: string, tokens: number, reasoning: number): Frame => ({
    text: `data: ${head}${choiceJson}${tail}\n\n`,
    completionTokens: tokens,
    reasoningTokens: reasoning,
    carriesUsage: false,
  });
  const perChoice = plan.choices.map((choice) => choiceDeltas(choice, chunkCount));
  const frames: Frame[] = [];
  const steps = Math.max(...perChoice.map((deltas) => deltas.length));
  for (let step = 0; step < steps; step++) {
    perChoice.forEach((deltas, index) => {
      const delta = deltas[step];
      if (!delta) return;
      const json = JSON.stringify({ index, delta: delta.delta, logprobs: null, finish_reason: null });
      frames.push(event(json, delta.tokens, delta.reasoning));
    });
  }
  for (const choice of plan.choices) {
    const json = JSON.stringify({
      index: choice.index,
      delta: {},
      logprobs: null,
      finish_reason: finishReason(choice),
    });
    frames.push(event(json, 0, 0));
  }
  if (includeUsage && mode !== 'none') {
    const final = {
      id,
      object: 'chat.completion.chunk',
      created,
      model: plan.model,
      system_fingerprint: 'fp_simulator',
      choices: [],
      usage: usage(plan, mode),
    };
    frames.push({
      text: `data: ${JSON.stringify(final)}\n\n`,
      completionTokens: 0,
      reasoningTokens: 0,
      carriesUsage: true,
    });
  }
  return {
    frames,
    terminator: 'data: [DONE]\n\n',
    errorEvent: `data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: 'simulated_stream_error' } })}\n\n`,
    malformedEvent: 'data: {"id":"chatcmpl-broken","choices":[{"delta":{"content":\n\n',
    nonObjectEvent: 'data: 42\n\n',
  };
}

function errorFields(status: number): { type: string; code: string | null; message: string } {
  switch (status) {
    case 400:
      return { type: 'invalid_request_error', code: null, message: 'Invalid request (simulated).' };
    case 401:
      return {
        type: 'invalid_request_error',
        code: 'invalid_api_key',
        message: 'Incorrect API key provided.',
      };
    case 403:
      return {
        type: 'invalid_request_error',
        code: 'unsupported_country_region_territory',
        message: 'Access denied (simulated).',
      };
    case 404:
      return {
        type: 'invalid_request_error',
        code: 'model_not_found',
        message: 'The model does not exist or you do not have access to it.',
      };
    case 429:
      return {
        type: 'requests',
        code: 'rate_limit_exceeded',
        message: 'Rate limit reached for requests (simulated). Please try again later.',
      };
    case 500:
      return {
        type: 'server_error',
        code: null,
        message: 'The server had an error while processing your request (simulated).',
      };
    case 503:
      return {
        type: 'server_error',
        code: null,
        message: 'The engine is currently overloaded, please try again later (simulated).',
      };
    default:
      return status >= 500
        ? { type: 'server_error', code: null, message: `Upstream failure ${status} (simulated).` }
        : {
            type: 'invalid_request_error',
            code: null,
            message: `Request failed with status ${status} (simulated).`,
          };
  }
}

/** `{error:{message,type,param,code}}`; `message` and `param` override the defaults for the status. */
export function openAIErrorBody(status: number, message?: string, param: string | null = null): string {
  const fields = errorFields(status);
  return JSON.stringify({
    error: { message: message ?? fields.message, type: fields.type, param, code: fields.code },
  });
}
