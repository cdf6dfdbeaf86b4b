/**
 * Stage 5: references to upstream resources by name — a Gemini cached content
 * (`extra_body.google.cached_content`) or an uploaded file (`file.file_id`) — live in the operator's
 * upstream project, shared by every tenant. A request may name only those the operator granted to its
 * account (`upstream_refs` in the config); anything else is a 403, before any upstream call. A cached
 * content's tokens join the prompt bound, so the hold covers them.
 */
import type { UpstreamRefGrant } from '../config/load-config.ts';
import { PorticoError } from '../errors.ts';
import type { RequestContext } from './context.ts';

function granted(grant: UpstreamRefGrant | undefined, accountId: string): grant is UpstreamRefGrant {
  return grant !== undefined && (grant.accounts.includes('*') || grant.accounts.includes(accountId));
}

function forbidden(what: string, param: string): PorticoError {
  return new PorticoError('resource_forbidden', {
    message: `This key may not use the ${what}: only resources the operator granted to this account are allowed`,
    param,
  });
}

export function checkUpstreamRefs(context: RequestContext): void {
  const { body, key } = context;
  if (!body || !key) return;
  const refs = context.services.config.upstreamRefs;
  const google = body.extra_body?.google ?? body.google;
  const cached = google?.cached_content;
  if (cached !== undefined) {
    const param = body.extra_body?.google ? 'extra_body.google.cached_content' : 'google.cached_content';
    const grant = typeof cached === 'string' ? refs.cachedContents.get(cached) : undefined;
    if (!granted(grant, key.accountId)) throw forbidden('cached content', param);
    context.refTokens = (context.refTokens ?? 0) + grant.tokens;
  }
  body.messages.forEach((message, index) => {
    if (message.role !== 'user' || !Array.isArray(message.content)) return;
    message.content.forEach((part, partIndex) => {
      if (part.type !== 'file' || part.file.file_id === undefined) return;
      const grant = refs.files.get(part.file.file_id);
      if (!granted(grant, key.accountId)) {
        throw forbidden('file', `messages[${index}].content[${partIndex}].file.file_id`);
      }
      context.refTokens = (context.refTokens ?? 0) + grant.tokens;
    });
  });
}
