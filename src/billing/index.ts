/** Billing: prices and cost in integer micro-USD, the hold plan, and usage estimates. */
export * from './prices.ts';
export * from './hold-estimate.ts';
export * from './estimate-usage.ts';
