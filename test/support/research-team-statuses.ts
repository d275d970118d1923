/** The statuses one offline run of the example's research team makes, in production order. */
export const RESEARCH_QUESTION = 'Which laptop is best for travel?';

export const RESEARCH_TEAM_STATUSES: { data: string; by: 'tool' | 'plugin' }[] = [
  { data: `Understanding your question: “${RESEARCH_QUESTION}”`, by: 'tool' },
  { data: 'Asking reasoning agent…', by: 'plugin' },
  { data: 'Planning the research…', by: 'tool' },
  { data: 'Asking search agent…', by: 'plugin' },
  { data: `Searching the knowledge base for “${RESEARCH_QUESTION}”…`, by: 'plugin' },
  { data: 'Search finished', by: 'plugin' },
  { data: 'search agent answered', by: 'plugin' },
  // The MCP source reader's progress notifications, made statuses by the plugin.
  { data: 'Reading source 1 of 3: en.wikipedia.org', by: 'plugin' },
  { data: 'Reading source 2 of 3: cloud.google.com', by: 'plugin' },
  { data: 'Reading source 3 of 3: google.github.io', by: 'plugin' },
  { data: 'Comparing 3 sources…', by: 'tool' },
  { data: 'Running publish agent event…', by: 'plugin' },
  { data: 'Finished publish agent event', by: 'plugin' },
  { data: 'reasoning agent answered', by: 'plugin' },
];
