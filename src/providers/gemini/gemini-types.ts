/**
 * The subset of Gemini's `generateContent` wire format that Portico sends and reads
 * (ai.google.dev/api/generate-content). Request types are what we build; response types are what a
 * structurally checked upstream body is narrowed to, so every field is optional.
 */

export interface GeminiInlineData {
  mimeType: string;
  data: string;
}

export interface GeminiFileData {
  mimeType?: string;
  fileUri: string;
}

export interface GeminiFunctionCall {
  id?: string;
  name: string;
  args?: Record<string, unknown>;
}

export interface GeminiFunctionResponse {
  name: string;
  response: Record<string, unknown>;
  /** Gemini 3: media returned by the function (images, PDFs). */
  parts?: Array<{ inlineData: GeminiInlineData }>;
}

export interface GeminiExecutableCode {
  language?: string;
  code?: string;
}

export interface GeminiCodeExecutionResult {
  outcome?: string;
  output?: string;
}

export type GeminiMediaResolution =
  'MEDIA_RESOLUTION_LOW' | 'MEDIA_RESOLUTION_MEDIUM' | 'MEDIA_RESOLUTION_HIGH';

export interface GeminiPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: GeminiInlineData;
  fileData?: GeminiFileData;
  functionCall?: GeminiFunctionCall;
  functionResponse?: GeminiFunctionResponse;
  mediaResolution?: { level: GeminiMediaResolution };
  executableCode?: GeminiExecutableCode;
  codeExecutionResult?: GeminiCodeExecutionResult;
}

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parametersJsonSchema?: Record<string, unknown>;
}

/** One kind per Tool object: function declarations, or one built-in tool with its configuration. */
export interface GeminiTool {
  functionDeclarations?: GeminiFunctionDeclaration[];
  googleSearch?: Record<string, unknown>;
  urlContext?: Record<string, unknown>;
  codeExecution?: Record<string, unknown>;
  googleMaps?: Record<string, unknown>;
  [builtin: string]: unknown;
}

export interface GeminiToolConfig {
  functionCallingConfig?: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] };
  /** Gemini 3: required when built-in tools and function tools are combined. */
  includeServerSideToolInvocations?: boolean;
}

export interface GeminiThinkingConfig {
  includeThoughts?: boolean;
  thinkingBudget?: number;
  thinkingLevel?: string;
}

export interface GeminiGenerationConfig {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
  candidateCount?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseLogprobs?: boolean;
  logprobs?: number;
  responseMimeType?: string;
  responseJsonSchema?: Record<string, unknown>;
  thinkingConfig?: GeminiThinkingConfig;
  topK?: number;
  responseModalities?: string[];
  speechConfig?: { voiceConfig: { prebuiltVoiceConfig: { voiceName: string } } };
}

export interface GeminiSafetySetting {
  category: string;
  threshold: string;
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
  safetySettings?: GeminiSafetySetting[];
  generationConfig?: GeminiGenerationConfig;
  cachedContent?: string;
  /** `standard`, `flex` or `priority`. */
  serviceTier?: string;
}

/* ------------------------------------------------------------------ response side */

export interface GeminiModalityCount {
  modality?: string;
  tokenCount?: number;
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  cachedContentTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  totalTokenCount?: number;
  promptTokensDetails?: GeminiModalityCount[];
  candidatesTokensDetails?: GeminiModalityCount[];
}

export interface GeminiLogprobCandidate {
  token?: string;
  logProbability?: number;
}

export interface GeminiLogprobsResult {
  chosenCandidates?: GeminiLogprobCandidate[];
  topCandidates?: Array<{ candidates?: GeminiLogprobCandidate[] }>;
}

export interface GeminiGroundingSupport {
  segment?: { startIndex?: number; endIndex?: number; text?: string; partIndex?: number };
  groundingChunkIndices?: number[];
}

export interface GeminiGroundingChunk {
  uri?: string;
  title?: string;
}

/** The fields Portico reads; the raw object is kept too and passed through as an extension. */
export interface GeminiGroundingMetadata {
  /** Google Search queries run (search grounding) or Maps sources used: a grounded, billed request. */
  billable: boolean;
  chunks: GeminiGroundingChunk[];
  supports: GeminiGroundingSupport[];
  raw: Record<string, unknown>;
}

export interface GeminiCandidate {
  index?: number;
  content?: { role?: string; parts?: GeminiPart[] };
  finishReason?: string;
  finishMessage?: string;
  logprobsResult?: GeminiLogprobsResult;
  groundingMetadata?: GeminiGroundingMetadata;
}

export interface GeminiResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
}
