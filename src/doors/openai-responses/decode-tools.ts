/**
 * Responses `tools` -> canonical tools. Function tools are flat in this dialect
 * (`{type: "function", name, parameters, strict}`); the canonical form nests them under `function`.
 * Gemini's built-in tools keep their typed-tool spelling (`{type: "google_search"}`), which the canonical
 * request already takes. OpenAI's hosted tools (web_search, file_search, computer use, code interpreter,
 * MCP, shell, custom grammar tools...) run on OpenAI's side: refused, naming the tool.
 */
import {
  BUILTIN_TOOL_TYPES,
  type BuiltinTool,
  type BuiltinToolType,
  type FunctionTool,
} from '../../openai/request.ts';
import {
  array,
  invalid,
  nonEmptyString,
  object,
  onlyKnown,
  optionalBoolean,
  optionalString,
  unsupported,
} from './fields.ts';

const FUNCTION_KEYS = new Set(['type', 'name', 'description', 'parameters', 'strict', 'defer_loading']);
const NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_.:-]*$/;

function functionTool(tool: Record<string, unknown>, param: string): FunctionTool {
  onlyKnown(tool, param, FUNCTION_KEYS);
  if (tool.defer_loading !== undefined && tool.defer_loading !== false) {
    throw unsupported(`${param}.defer_loading`, 'Portico has no tool search');
  }
  const name = nonEmptyString(tool.name, `${param}.name`);
  if (name.length > 128 || !NAME_PATTERN.test(name)) {
    throw invalid(`${param}.name`, 'must match ^[a-zA-Z_][a-zA-Z0-9_.:-]*$ and be at most 128 characters');
  }
  const description = optionalString(tool.description, `${param}.description`);
  const strict = optionalBoolean(tool.strict, `${param}.strict`);
  const parameters =
    tool.parameters === undefined || tool.parameters === null
      ? undefined
      : object(tool.parameters, `${param}.parameters`);
  return {
    type: 'function',
    function: {
      name,
      ...(description !== undefined ? { description } : {}),
      ...(parameters !== undefined ? { parameters } : {}),
      ...(strict !== undefined ? { strict } : {}),
    },
  };
}

function isBuiltin(type: unknown): type is BuiltinToolType {
  return typeof type === 'string' && (BUILTIN_TOOL_TYPES as readonly string[]).includes(type);
}

export function decodeTools(value: unknown): Array<FunctionTool | BuiltinTool> | undefined {
  if (value === undefined || value === null) return undefined;
  const tools = array(value, 'tools');
  if (tools.length > 512) throw invalid('tools', 'at most 512 tools');
  return tools.map((entry, index) => {
    const param = `tools[${index}]`;
    const tool = object(entry, param);
    if (tool.type === 'function') return functionTool(tool, param);
    if (isBuiltin(tool.type)) {
      onlyKnown(tool, param, new Set(['type', tool.type]));
      return tool as BuiltinTool;
    }
    if (tool.type === 'web_search' || tool.type === 'web_search_preview') {
      throw unsupported(
        `${param}.type`,
        `'${tool.type}' runs on OpenAI; for Gemini's own search send {"type": "google_search"}`,
      );
    }
    throw unsupported(
      `${param}.type`,
      `'${String(tool.type)}' is a tool OpenAI hosts; Portico takes function tools and Gemini's ` +
        'built-in tools (google_search, url_context, code_execution, google_maps)',
    );
  });
}
