/**
 * OpenAI chat completions as the simulator writes them: the JSON answer and the SSE chunks
 * (`data: {...}\n\n`, role in the first delta, a finish chunk per choice, the usage chunk with
 * `stream_options.include_usage`, `data: [DONE]` last).
 */
import type { ChoicePlan, GenerationPlan } from './generation-plan.ts';
import { REASONING_SEED_OFFSET, type Frame, type StreamScript, type UsageMode } from './protocol.ts';
import { countTokens, poolPieces, poolText } from './text-generator.ts';

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
