/**
 * What a Gemini model can do beyond text, and the operator's `drop_unsupported_params` switch. These
 * ride on `ModelTraits` (declared here by module augmentation, so the provider contract file stays
 * untouched) and come from the built-in catalogue or the model's `capabilities` in `portico.yaml`.
 * When a model's traits say nothing, the model name decides, as for thinking (`effectiveTraits`).
 */
import type { BuiltinToolType } from '../../openai/request.ts';
import type { ModelTraits } from '../provider.ts';

export type OutputModality = 'text' | 'image' | 'audio';

declare module '../provider.ts' {
  interface ModelTraits {
    /** Modalities the model can generate (default: text; image models also image; TTS models audio only). */
    readonly output?: readonly OutputModality[];
    /** Gemini built-in tools the model accepts. */
    readonly builtinTools?: readonly BuiltinToolType[];
    /** `responseLogprobs` is accepted. */
    readonly logprobs?: boolean;
    /** `presencePenalty` / `frequencyPenalty` are accepted (2.5 answers "Penalty is not enabled"). */
    readonly penalties?: boolean;
    /** The smallest non-zero thinking budget (2.5 Flash-Lite: 512; 2.5 Pro: 128). */
    readonly minActiveThinkingBudget?: number;
    /** Operator switch: drop fields the model cannot honour instead of answering 400. */
    readonly dropUnsupportedParams?: boolean;
  }
}

const ALL_BUILTIN_TOOLS: readonly BuiltinToolType[] = [
  'google_search',
  'url_context',
  'code_execution',
  'google_maps',
];

export interface Capabilities {
  readonly output: readonly OutputModality[];
  readonly builtinTools: readonly BuiltinToolType[];
  readonly logprobs: boolean;
  readonly penalties: boolean;
  readonly dropUnsupportedParams: boolean;
}

/** Gemini image models (`*-image`, `*-image-preview`) generate images; TTS models (`*-tts`) speech. */
function outputFromName(model: string): readonly OutputModality[] {
  if (/-tts\b/.test(model)) return ['audio'];
  if (/-image\b|-image-preview\b/.test(model)) return ['text', 'image'];
  return ['text'];
}

export function capabilitiesOf(traits: ModelTraits, model: string): Capabilities {
  const output = traits.output ?? outputFromName(model);
  const textModel = output.includes('text') && !output.includes('image');
  return {
    output,
    // Image and speech models take no built-in tools (search grounding on image models is preview-only).
    builtinTools: traits.builtinTools ?? (textModel ? ALL_BUILTIN_TOOLS : []),
    // Logprobs are served on the 2.x text models, not on Gemini 3 (which answers 400).
    logprobs: traits.logprobs ?? (textModel && !/gemini-3/.test(model)),
    // Recorded: gemini-2.5-flash, -flash-lite and -pro answer 400 "Penalty is not enabled for models/...";
    // the older 1.5 / 2.0 models took them.
    penalties: traits.penalties ?? /gemini-(1\.5|2\.0)/.test(model),
    dropUnsupportedParams: traits.dropUnsupportedParams ?? false,
  };
}
