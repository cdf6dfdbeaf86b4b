/**
 * Models for the Anthropic door tests: Claude model names (Claude Code's, with and without date suffixes)
 * mapped to Gemini models by config `aliases`, plus the OpenAI-compatible `sim-openai`.
 */
import type { ConfigFile } from '../../src/config/schema.ts';

export const CLAUDE_ALIASES: NonNullable<ConfigFile['models']> = {
  'gemini-3.5-flash': { aliases: ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929', 'claude-opus-4-1'] },
  'gemini-2.5-flash': { aliases: ['claude-haiku-4-5', 'claude-haiku-4-5-20251001'] },
  'sim-openai': {
    deployments: [{ provider: 'local', model: 'sim-openai-upstream' }],
    pricing: { input: 1, cached_input: 0.5, output: 2 },
    max_output_tokens: 4096,
  },
};
