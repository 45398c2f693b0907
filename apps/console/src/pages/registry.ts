import type { ComponentType } from 'react';
import { ProvidersSection } from './providers/providers.section';
import { AgentsSection } from './agents/agents.section';
import { UsageSection } from './usage/usage.section';
import { BudgetsSection } from './budgets/budgets.section';
import { KeysSection } from './keys/keys.section';

/**
 * Every page of the console: the navigation lists them in this order and the router mounts each one nested at its
 * path, so a page owns its sub-routes (`/providers/new`, `/providers/:id`) relative to that path.
 */
export interface ConsolePage {
  /** Under /console, e.g. '/providers'. */
  readonly path: `/${string}`;
  /** The navigation link's text and the page's default heading. */
  readonly title: string;
  readonly component: ComponentType;
}

export const PAGES: readonly ConsolePage[] = [
  { path: '/providers', title: 'Providers', component: ProvidersSection },
  { path: '/agents', title: 'Agents', component: AgentsSection },
  { path: '/usage', title: 'Usage', component: UsageSection },
  { path: '/budgets', title: 'Budgets and alerts', component: BudgetsSection },
  { path: '/keys', title: 'Keys and secrets', component: KeysSection },
];
