/**
 * Gemini's answers as the simulator writes them (gemini-mapping.md §3, §4): the `generateContent` JSON
 * and the `?alt=sse` chunks (`data: {...}\r\n\r\n`, cumulative `usageMetadata` on every chunk,
 * `finishReason` only on the last, `responseId` and `modelVersion` on all, no `[DONE]`).
 */
import type { ChoicePlan, GenerationPlan } from './generation-plan.ts';
import type { GeminiRequest } from './gemini-request.ts';
import { REASONING_SEED_OFFSET, type Frame, type StreamScript, type UsageMode } from './protocol.ts';
import { poolPieces, poolText, splitCounts, type TextPiece } from './text-generator.ts';
import {
  audioPart,
  codeExecutionParts,
  groundingMetadata,
  IMAGE_OUTPUT_TOKENS,
  imagePart,
  logprobsResult,
} from './gemini-features.ts';

function signature(responseId: string, index: number): string {
  return Buffer.from(`simulated-thought-signature:${responseId}:${index}`).toString('base64');
}

/** Output tokens by modality, as image and speech models report them. */
interface OutputSplit {
  image: number;
  audio: boolean;
}

function usageMetadata(
  plan: GenerationPlan,
  candidates: number,
  thoughts: number,
  mode: UsageMode,
  output: OutputSplit = { image: 0, audio: false },
): Record<string, unknown> {
  if (mode === 'zero') return { promptTokenCount: 0, candidatesTokenCount: 0, totalTokenCount: 0 };
  const usage: Record<string, unknown> = { promptTokenCount: plan.promptTokens };
  if (candidates > 0) usage.candidatesTokenCount = candidates;
  usage.totalTokenCount = plan.promptTokens + candidates + thoughts;
  if (plan.cachedTokens > 0) usage.cachedContentTokenCount = plan.cachedTokens;
  const details = [{ modality: 'TEXT', tokenCount: plan.prompt.text }];
  if (plan.prompt.image > 0) details.push({ modality: 'IMAGE', tokenCount: plan.prompt.image });
  if (plan.prompt.audio > 0) details.push({ modality: 'AUDIO', tokenCount: plan.prompt.audio });
  if (plan.prompt.video > 0) details.push({ modality: 'VIDEO', tokenCount: plan.prompt.video });
  if (plan.prompt.document > 0) details.push({ modality: 'DOCUMENT', tokenCount: plan.prompt.document });
  usage.promptTokensDetails = details;
  if (plan.cachedTokens > 0) usage.cacheTokensDetails = [{ modality: 'TEXT', tokenCount: plan.cachedTokens }];
  if (thoughts > 0) usage.thoughtsTokenCount = thoughts;
  if (output.audio && candidates > 0)
    usage.candidatesTokensDetails = [{ modality: 'AUDIO', tokenCount: candidates }];
  else if (output.image > 0) {
    usage.candidatesTokensDetails = [
      { modality: 'TEXT', tokenCount: candidates - output.image },
      { modality: 'IMAGE', tokenCount: output.image },
    ];
  }
  return usage;
}

interface Step {
  readonly parts: Record<string, unknown>[];
  readonly candidates: number;
  readonly thoughts: number;
  /** Image tokens among `candidates`. */
  readonly image?: number;
}

/** A JSON answer cut into at most `chunks` pieces; its tokens are counted on the last one. */
function jsonPieces(json: string, tokens: number, chunks: number): TextPiece[] {
  // Cut by the cap: the simulator's tokenizer counts 4 characters a token in a word.
  const text = json.slice(0, tokens * 4);
  const sizes = splitCounts(text.length, chunks);
  const pieces: TextPiece[] = [];
  let offset = 0;
  sizes.forEach((size, index) => {
    pieces.push({ text: text.slice(offset, offset + size), tokens: index === sizes.length - 1 ? tokens : 0 });
    offset += size;
  });
  return pieces;
}

/** The streamed steps of one candidate; a plain answer is the same steps merged into one. */
function candidateSteps(
  choice: ChoicePlan,
  request: GeminiRequest,
  responseId: string,
  chunkCount: number,
): Step[] {
  const steps: Step[] = [];
  if (request.includeThoughts && choice.reasoningTokens > 0) {
    const text = poolText(choice.seed + REASONING_SEED_OFFSET, choice.reasoningTokens);
    steps.push({ parts: [{ text, thought: true }], candidates: 0, thoughts: choice.reasoningTokens });
  }
  const call = choice.toolCall;
  if (call) {
    const part = {
      functionCall: { name: call.name, args: JSON.parse(call.arguments) as unknown },
      thoughtSignature: signature(responseId, choice.index),
    };
    steps.push({ parts: [part], candidates: call.tokens, thoughts: 0 });
    steps.push({ parts: [{ text: '' }], candidates: 0, thoughts: 0 });
    return steps;
  }
  const features = request.features;
  if (features.audio) {
    steps.push({ parts: [audioPart(choice.textTokens)], candidates: choice.textTokens, thoughts: 0 });
    return steps;
  }
  if (features.codeExecution) steps.push({ parts: codeExecutionParts(), candidates: 0, thoughts: 0 });
  const pieces =
    features.json !== null
      ? jsonPieces(features.json, choice.textTokens, chunkCount)
      : poolPieces(choice.seed, choice.textTokens, chunkCount);
  pieces.forEach((piece, index) => {
    const part: Record<string, unknown> = { text: piece.text };
    if (request.signsText && index === pieces.length - 1 && !features.image)
      part.thoughtSignature = signature(responseId, choice.index);
    steps.push({ parts: [part], candidates: piece.tokens, thoughts: 0 });
  });
  if (features.image && !choice.truncated) {
    const part = imagePart();
    if (request.signsText) part.thoughtSignature = signature(responseId, choice.index);
    steps.push({ parts: [part], candidates: IMAGE_OUTPUT_TOKENS, thoughts: 0, image: IMAGE_OUTPUT_TOKENS });
  }
  return steps;
}

/** The extras that ride on a candidate: logprobs of its new text, grounding once it is finished. */
function candidateExtras(
  candidate: Record<string, unknown>,
  parts: readonly Record<string, unknown>[],
  request: GeminiRequest,
  choice: ChoicePlan,
  fullText: string | null,
): void {
  const top = request.features.logprobs;
  if (top !== null) {
    const text = parts
      .map((part) => (typeof part.text === 'string' && part.thought !== true ? part.text : ''))
      .join('');
    if (text !== '') candidate.logprobsResult = logprobsResult(text, top, choice.seed);
  }
  if (fullText !== null && request.features.grounding && choice.toolCall === null) {
    candidate.groundingMetadata = groundingMetadata(fullText, request.features.query);
  }
}

function answerText(steps: readonly Step[]): string {
  return steps
    .flatMap((step) => step.parts)
    .map((part) => (typeof part.text === 'string' && part.thought !== true ? part.text : ''))
    .join('');
}

function candidateJson(
  choice: ChoicePlan,
  parts: Record<string, unknown>[],
  last: boolean,
  stream: boolean,
  finish: string | null = null,
): Record<string, unknown> {
  const candidate: Record<string, unknown> = {
    content: parts.length > 0 ? { parts, role: 'model' } : { role: 'model' },
  };
  if (last) {
    candidate.finishReason = finish ?? (choice.truncated ? 'MAX_TOKENS' : 'STOP');
    if (choice.toolCall && !stream) candidate.finishMessage = 'Model generated function call(s).';
  }
  candidate.index = choice.index;
  return candidate;
}

export function geminiResponseBody(
  plan: GenerationPlan,
  request: GeminiRequest,
  responseId: string,
  mode: UsageMode,
): string {
  let image = 0;
  const candidates = plan.choices.map((choice) => {
    const steps = candidateSteps(choice, request, responseId, 1);
    image += steps.reduce((sum, step) => sum + (step.image ?? 0), 0);
    const parts = steps.flatMap((step) => step.parts);
    // An empty final text part only appears in streams.
    const kept = parts.filter((part) => part.text !== '');
    const candidate = candidateJson(choice, kept, true, false, request.finishReason);
    candidateExtras(candidate, kept, request, choice, answerText(steps));
    return candidate;
  });
  const answer: Record<string, unknown> = { candidates };
  if (mode !== 'none') {
    answer.usageMetadata = usageMetadata(
      plan,
      plan.completionTokens - plan.reasoningTokens,
      plan.reasoningTokens,
      mode,
      { image, audio: request.features.audio },
    );
  }
  answer.modelVersion = plan.model;
  answer.responseId = responseId;
  return JSON.stringify(answer);
}

export function geminiStreamScript(
  plan: GenerationPlan,
  request: GeminiRequest,
  responseId: string,
  chunkCount: number,
  mode: UsageMode,
): StreamScript {
  const perCandidate = plan.choices.map((choice) => candidateSteps(choice, request, responseId, chunkCount));
  const steps = Math.max(1, ...perCandidate.map((candidateStepsList) => candidateStepsList.length));
  // Thoughts that are not shown are billed from the first chunk on, as in the recorded streams.
  const hiddenThoughts = request.includeThoughts ? 0 : plan.reasoningTokens;
  let candidatesSoFar = 0;
  let thoughtsSoFar = 0;
  let imageSoFar = 0;
  const frames: Frame[] = [];
  for (let step = 0; step < steps; step++) {
    const candidates: Record<string, unknown>[] = [];
    let frameCandidates = 0;
    let frameThoughts = step === 0 ? hiddenThoughts : 0;
    plan.choices.forEach((choice, index) => {
      const list = perCandidate[index] ?? [];
      const current = list[step];
      if (current === undefined && !(step === 0 && list.length === 0)) return;
      const last = step >= list.length - 1;
      const candidate = candidateJson(choice, current?.parts ?? [], last, true, request.finishReason);
      candidateExtras(candidate, current?.parts ?? [], request, choice, last ? answerText(list) : null);
      candidates.push(candidate);
      imageSoFar += current?.image ?? 0;
      frameCandidates += current?.candidates ?? 0;
      frameThoughts += current?.thoughts ?? 0;
    });
    candidatesSoFar += frameCandidates;
    thoughtsSoFar += frameThoughts;
    const chunk: Record<string, unknown> = { candidates };
    if (mode !== 'none') {
      chunk.usageMetadata = usageMetadata(plan, candidatesSoFar, thoughtsSoFar, mode, {
        image: imageSoFar,
        audio: request.features.audio,
      });
    }
    chunk.modelVersion = plan.model;
    chunk.responseId = responseId;
    frames.push({
      text: `data: ${JSON.stringify(chunk)}\r\n\r\n`,
      completionTokens: frameCandidates + frameThoughts,
      reasoningTokens: frameThoughts,
      carriesUsage: mode !== 'none',
    });
  }
  return {
    frames,
    terminator: null,
    errorEvent: `data: ${JSON.stringify({ error: { code: 500, message: 'An internal error has occurred (simulated).', status: 'INTERNAL' } })}\r\n\r\n`,
    malformedEvent: 'data: {"candidates": [{"content": {"parts": [{"text": \r\n\r\n',
    nonObjectEvent: 'data: 42\r\n\r\n',
  };
}
