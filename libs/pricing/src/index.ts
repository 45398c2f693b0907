export { costOf, maxCostOf, resolveModelPrice, type ModelPrice, type PriceOverride, type PriceQuery, type TokenCounts } from './model-price.js';
