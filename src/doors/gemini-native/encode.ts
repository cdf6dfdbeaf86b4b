/**
 * Canonical answers -> Google's `GenerateContentResponse`. When the request was forwarded natively
 * (a Gemini or Vertex deployment), the upstream's own JSON is written as it came: nothing Google sent is
 * lost (`usageMetadata` details, `safetyRatings`, `groundingMetadata`, `modelVersion`, `responseId`).
 * Otherwise (an OpenAI-compatible deployment) the answer is built from the canonical choices and usage:
 * reasoning -> `thought: true` parts, tool calls -> whole `functionCall` parts (their thought signature,
 * carried in the tool-call id, back on the part), finish reasons -> Google's, usage -> `usageMetadata`.
 */
import type { Choice, ChunkChoice, TokenCounts } from '../../openai/response.ts';
import { decodeThoughtSignature } from '../../providers/gemini/tool-call-id.ts';
import type { RequestContext } from '../../pipeline/context.ts';
import type { Completed, Served } from '../../pipeline/exchange/types.ts';

export type Part = Record<string, unknown>;

const FINISH: Readonly<Record<string, string>> = {
  stop: 'STOP',
  tool_calls: 'STOP',
  function_call: 'STOP',
  length: 'MAX_TOKENS',
  content_filter: 'SAFETY',
};

export function finishReason(choice: {
  finish_reason: string | null;
  native_finish_reason?: string;
}): string {
  if (choice.native_finish_reason !== undefined) return choice.native_finish_reason;
  return FINISH[choice.finish_reason ?? 'stop'] ?? 'OTHER';
}

export function usageMetadata(counts: TokenCounts): Record<string, number> {
  const usage: Record<string, number> = {
    promptTokenCount: counts.prompt,
    candidatesTokenCount: Math.max(0, counts.completion - counts.reasoning),
    totalTokenCount: counts.total,
  };
  if (counts.cachedPrompt > 0) usage.cachedContentTokenCount = counts.cachedPrompt;
  if (counts.reasoning > 0) usage.thoughtsTokenCount = counts.reasoning;
  return usage;
}

export function functionCallPart(call: { id?: string; name: string; arguments: string }): Part {
  let args: unknown = {};
  try {
    args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch {
    // An OpenAI-compatible upstream can emit arguments that are not JSON; Google's shape needs an
    // object, so the text is kept under one key rather than lost.
    args = { arguments: call.arguments };
  }
  const part: Part = { functionCall: { name: call.name, args } };
  const signature = call.id === undefined ? undefined : decodeThoughtSignature(call.id);
  if (signature !== undefined) part.thoughtSignature = signature;
  return part;
}

function imageParts(images: ReadonlyArray<{ image_url: { url: string } }> | undefined): Part[] {
  return (images ?? []).flatMap((image) => {
    const match = /^data:([^;,]+);base64,(.*)$/s.exec(image.image_url.url);
    return match ? [{ inlineData: { mimeType: match[1], data: match[2] } }] : [];
  });
}

function candidate(choice: Choice): Record<string, unknown> {
  const { message } = choice;
  const parts: Part[] = [];
  if (message.reasoning_content) parts.push({ text: message.reasoning_content, thought: true });
  if (typeof message.content === 'string' && message.content !== '') parts.push({ text: message.content });
  parts.push(...imageParts(message.images));
  if (message.audio)
    parts.push({
      inlineData: { mimeType: message.audio.mime_type ?? 'audio/wav', data: message.audio.data },
    });
  for (const call of message.tool_calls ?? []) {
    parts.push(
      functionCallPart({ id: call.id, name: call.function.name, arguments: call.function.arguments }),
    );
  }
  const out: Record<string, unknown> = {
    content: { parts, role: 'model' },
    finishReason: finishReason(choice),
    index: choice.index,
  };
  if (choice.finish_message !== undefined) out.finishMessage = choice.finish_message;
  if (choice.grounding_metadata !== undefined) out.groundingMetadata = choice.grounding_metadata;
  return out;
}

export function responseId(context: RequestContext): string {
  return context.requestId.replace(/^req_/, '');
}

export function modelVersion(served: Served): string {
  return served.responseModel;
}

export function encodeCompleted(context: RequestContext, completed: Completed): string {
  if (completed.native !== undefined) return JSON.stringify(completed.native);
  return JSON.stringify({
    candidates: completed.choices.map(candidate),
    usageMetadata: usageMetadata(completed.counts),
    modelVersion: modelVersion(completed.served),
    responseId: responseId(context),
  });
}

export type { ChunkChoice };
