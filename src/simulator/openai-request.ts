/**
 * Reading an OpenAI chat completions body into a `GenerationRequest`: prompt tokens (text, fixed counts
 * for media parts), the output cap, `n`, `reasoning_effort`, and whether a tool call is due.
 */
import type { GenerationRequest, ToolDeclaration } from './generation-plan.ts';
import { isRecord, MEDIA_PART_TOKENS, positiveInteger, reasoningForLevel, RequestError } from './protocol.ts';
import type { RequestSettings } from './request-settings.ts';
import { countTokens, hashText } from './text-generator.ts';

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

/**
 * The tool to call: the first one, when the conversation asks for it; `tool_choice` can forbid a call
 * (`none`), force one (`required`), or force a named one.
 */
function chooseTool(tools: readonly unknown[], toolChoice: unknown, wanted: boolean): ToolDeclaration | null {
  if (toolChoice === 'none') return null;
  const declared: ToolDeclaration[] = [];
  for (const tool of tools) {
    if (isRecord(tool) && isRecord(tool.function) && typeof tool.function.name === 'string') {
      declared.push({ name: tool.function.name, schema: tool.function.parameters });
    }
  }
  if (isRecord(toolChoice) && isRecord(toolChoice.function)) {
    const name = toolChoice.function.name;
    return declared.find((tool) => tool.name === name) ?? null;
  }
  return wanted || toolChoice === 'required' ? (declared[0] ?? null) : null;
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
    toolCall: chooseTool(tools, body.tool_choice, wantsCall),
    cachedTokens: settings.cachedTokens ?? 0,
    cachedContentAddsToPrompt: false,
  };
}
