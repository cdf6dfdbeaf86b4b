/**
 * Gemini's built-in tools (Google Search grounding, URL context, code execution, Google Maps) from the
 * three ways a client can ask for them (docs/gemini-fields.md):
 *
 * - OpenAI's `web_search_options` → `{googleSearch: {}}`;
 * - typed tools in `tools`: `{"type": "google_search"}` (the object under the type's own name, when
 *   present, is the Gemini tool configuration, e.g. `{"type": "google_maps", "google_maps":
 *   {"enableWidget": true}}`);
 * - Gemini tool objects as they are in `extra_body.google.tools` (`[{"googleSearch": {}}]`).
 *
 * Each kind is one Tool object, as Gemini wants (gemini-mapping.md §2). Built-in tools next to function
 * tools: Gemini 3 takes both when `toolConfig.includeServerSideToolInvocations` is set; Gemini 2.x
 * refuses the mix, so Portico answers 400 before the upstream does.
 */
import type { BuiltinToolType, ChatCompletionRequest } from '../../openai/request.ts';
import { invalidRequestError } from './errors.ts';
import type { GeminiTool } from './gemini-types.ts';
import type { Capabilities } from './model-capabilities.ts';

const GEMINI_KEY: Record<BuiltinToolType, string> = {
  google_search: 'googleSearch',
  url_context: 'urlContext',
  code_execution: 'codeExecution',
  google_maps: 'googleMaps',
};

/** Gemini tool keys accepted in `extra_body.google.tools`, and the capability each needs. */
const EXTRA_TOOL_KEYS: Readonly<Record<string, BuiltinToolType | 'other'>> = {
  googleSearch: 'google_search',
  google_search: 'google_search',
  googleSearchRetrieval: 'google_search',
  urlContext: 'url_context',
  url_context: 'url_context',
  codeExecution: 'code_execution',
  code_execution: 'code_execution',
  googleMaps: 'google_maps',
  google_maps: 'google_maps',
  fileSearch: 'other',
  enterpriseWebSearch: 'other',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fromExtras(value: unknown, capabilities: Capabilities): GeminiTool[] {
  const param = 'google.tools';
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidRequestError('must be an array of Gemini tool objects', param);
  return value.map((tool: unknown, index) => {
    const keys = isRecord(tool) ? Object.keys(tool) : [];
    const key = keys[0];
    if (!isRecord(tool) || keys.length !== 1 || key === undefined || !(key in EXTRA_TOOL_KEYS)) {
      throw invalidRequestError(
        `tools[${index}] must be one built-in tool such as {"googleSearch": {}} (function tools go in tools)`,
        param,
      );
    }
    const needs = EXTRA_TOOL_KEYS[key];
    if (needs !== 'other' && needs !== undefined && !capabilities.builtinTools.includes(needs)) {
      throw invalidRequestError(`tools[${index}]: the model has no ${needs} tool`, param);
    }
    if (!isRecord(tool[key])) throw invalidRequestError(`tools[${index}].${key} must be an object`, param);
    return { [key]: tool[key] } as GeminiTool;
  });
}

/** Built-in tools asked for, in request order, one Tool object per kind. */
export function builtinTools(
  request: ChatCompletionRequest,
  extrasTools: unknown,
  capabilities: Capabilities,
): GeminiTool[] {
  const tools: GeminiTool[] = [];
  const seen = new Set<string>();
  const add = (key: string, config: Record<string, unknown>): void => {
    if (seen.has(key)) return;
    seen.add(key);
    tools.push({ [key]: config } as GeminiTool);
  };
  if (request.web_search_options != null) add('googleSearch', {});
  for (const tool of request.tools ?? []) {
    if (tool.type === 'function') continue;
    add(GEMINI_KEY[tool.type], tool[tool.type] ?? {});
  }
  for (const tool of fromExtras(extrasTools, capabilities)) {
    const key = Object.keys(tool)[0] as string;
    if (!seen.has(key)) {
      seen.add(key);
      tools.push(tool);
    }
  }
  return tools;
}

/** Google Search or Maps grounding is billed per grounded request. */
export function isGroundingTool(tool: GeminiTool): boolean {
  return ['googleSearch', 'google_search', 'googleSearchRetrieval', 'googleMaps', 'google_maps'].some(
    (key) => key in tool,
  );
}

/** Mixing built-in and function tools: Gemini 3 only, with server-side invocations circulated. */
export function checkToolMix(functionTools: number, builtins: number, gemini3: boolean): boolean {
  if (functionTools === 0 || builtins === 0) return false;
  if (!gemini3) {
    throw invalidRequestError(
      'built-in tools (search, URL context, code execution, maps) and function tools cannot be combined ' +
        'on this model; Gemini 3 models can',
      'tools',
    );
  }
  return true;
}

/**
 * Whether the request may be billed a grounded prompt (Google Search or Maps grounding asked for in any
 * of the three spellings), for holds: the hold must cover `grounding_per_1k` / 1,000 when it does.
 */
export function requestsGrounding(request: ChatCompletionRequest): boolean {
  if (request.web_search_options != null) return true;
  if ((request.tools ?? []).some((tool) => tool.type === 'google_search' || tool.type === 'google_maps')) {
    return true;
  }
  const extras = request.extra_body?.google ?? request.google ?? {};
  const tools = extras.tools;
  return Array.isArray(tools) && tools.some((tool) => isRecord(tool) && isGroundingTool(tool as GeminiTool));
}
