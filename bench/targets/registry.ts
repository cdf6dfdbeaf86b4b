/** Every system the bench measures, in table order, with a short key for `--only`. */
import { directGemini, directOpenAi } from './direct.ts';
import { porticoGemini, porticoOpenAi } from './portico.ts';
import { nginxProxy, nodeFloor, portkey } from './proxies.ts';
import type { TargetDefinition } from './target.ts';

export interface RegisteredTarget {
  readonly key: string;
  readonly definition: TargetDefinition;
}

export const TARGETS: readonly RegisteredTarget[] = [
  { key: 'direct-openai', definition: directOpenAi },
  { key: 'direct-gemini', definition: directGemini },
  { key: 'nginx-proxy', definition: nginxProxy },
  { key: 'node-floor', definition: nodeFloor },
  { key: 'portkey', definition: portkey },
  { key: 'portico-openai', definition: porticoOpenAi },
  { key: 'portico-gemini', definition: porticoGemini },
];
