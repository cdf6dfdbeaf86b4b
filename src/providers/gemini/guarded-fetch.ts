/** The SSRF-guarded media fetcher moved to `shared/` (every provider that forwards URLs uses it). */
export * from '../shared/guarded-fetch.ts';
