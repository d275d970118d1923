/** `knowledge_base_search`: the offline stand-in for Google Search. */
import { FunctionTool } from '@google/adk';
import { z } from 'zod';
import { searchKnowledgeBase } from './knowledge-base.js';

export const knowledgeBaseSearchTool = new FunctionTool({
  name: 'knowledge_base_search',
  description: 'Searches the knowledge base and returns the best matching articles (title, url, snippet).',
  parameters: z.object({ query: z.string().min(1).max(300).describe('What to search for') }),
  execute: ({ query }) => ({ results: searchKnowledgeBase(query) }),
});
