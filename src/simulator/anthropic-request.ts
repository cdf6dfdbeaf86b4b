/**
 * Reading an Anthropic Messages body (`POST /v1/messages`) into a `GenerationRequest`: prompt tokens
 * (system, text blocks, tool uses and results; fixed counts for images and documents), the required
 * `max_tokens`, `thinking.budget_tokens`, and whether a tool call is due.
 */
import type { GenerationRequest, ToolDeclaration } from './generation-plan.ts';
import { isRecord, MEDIA_PART_TOKENS, positiveInteger, RequestError } from './protocol.ts';
import type { RequestSettings } from './request-settings.ts';
import { countTokens, hashText } from './text-generator.ts';

function blocksText(content: unknown, prompt: GenerationRequest['prompt']): string {
  if (typeof content === 'string') {
    prompt.text += countTokens(content);
    return content;
  }
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const block of content) {
    if (!isRecord(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') {
      prompt.text += countTokens(block.text);
      text += block.text;
    } else if (block.type === 'image') prompt.image += MEDIA_PART_TOKENS;
    else if (block.type === 'document') prompt.document += MEDIA_PART_TOKENS;
    else if (block.type === 'tool_use') prompt.text += countTokens(JSON.stringify(block.input ?? {}));
    else if (block.type === 'tool_result') prompt.text += countTokens(JSON.stringify(block.content ?? ''));
  }
  return text;
}

function chooseTool(tools: readonly unknown[], choice: unknown, wanted: boolean): ToolDeclaration | null {
  const declared: ToolDeclaration[] = [];
  for (const tool of tools) {
    if (isRecord(tool) && typeof tool.name === 'string')
      declared.push({ name: tool.name, schema: tool.input_schema });
  }
  if (isRecord(choice)) {
    if (choice.type === 'none') return null;
    if (choice.type === 'tool') return declared.find((tool) => tool.name === choice.name) ?? null;
    if (choice.type === 'any') return declared[0] ?? null;
  }
  return wanted ? (declared[0] ?? null) : null;
}

export function readAnthropicRequest(
  body: Record<string, unknown>,
  settings: RequestSettings,
): GenerationRequest {
  const model = body.model;
  if (typeof model !== 'string' || model.length === 0)
    throw new RequestError('model: Field required', 'model');
  const maxOutputTokens = positiveInteger(body.max_tokens, 'max_tokens');
  if (maxOutputTokens === null) throw new RequestError('max_tokens: Field required', 'max_tokens');
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    throw new RequestError('messages: at least one message is required', 'messages');
  const prompt = { text: 0, image: 0, audio: 0, video: 0, document: 0 };
  blocksText(body.system, prompt);
  let lastUserText = '';
  let lastWasToolResult = false;
  for (const message of messages) {
    if (!isRecord(message) || (message.role !== 'user' && message.role !== 'assistant'))
      throw new RequestError('messages: each message needs role user or assistant', 'messages');
    const text = blocksText(message.content, prompt);
    if (message.role === 'user') {
      lastUserText = text;
      lastWasToolResult =
        Array.isArray(message.content) &&
        message.content.some((block) => isRecord(block) && block.type === 'tool_result');
    }
  }
  const tools = Array.isArray(body.tools) ? body.tools : [];
  if (tools.length > 0) prompt.text += countTokens(JSON.stringify(tools));
  const wantsCall =
    !lastWasToolResult && (settings.toolCall || lastUserText.toLowerCase().includes('weather'));
  const thinking =
    isRecord(body.thinking) && body.thinking.type === 'enabled' ? body.thinking.budget_tokens : 0;
  return {
    model,
    stream: body.stream === true,
    maxOutputTokens,
    choices: 1,
    prompt,
    seed: hashText(lastUserText),
    // Thinking uses part of its budget, as the real models do.
    reasoningTokens: typeof thinking === 'number' && thinking > 0 ? Math.min(64, thinking) : 0,
    toolCall: chooseTool(tools, body.tool_choice, wantsCall),
    cachedTokens: settings.cachedTokens ?? 0,
    cachedContentAddsToPrompt: false,
  };
}
