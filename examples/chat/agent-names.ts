/** The example's agent names, shared by the agents and the offline model that plays them. */
export const AGENT_NAMES = {
  coordinator: 'search_support_agent',
  reasoning: 'reasoning_agent',
  search: 'search_agent',
} as const;

/** The event the reasoning agent publishes when it settles on a finding (the seed's name). */
export const KEY_FINDING_EVENT = 'key_finding_identified';
