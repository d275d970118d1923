/**
 * The offline knowledge base the example's search agent uses when no Gemini key is set: a few
 * short articles and a small keyword scorer (tf × idf over title, keywords and body).
 */
export interface Article {
  title: string;
  url: string;
  keywords: string[];
  body: string;
}

export const ARTICLES: Article[] = [
  {
    title: 'Google Agent Development Kit (ADK)',
    url: 'https://google.github.io/adk-docs/',
    keywords: ['adk', 'agent', 'agents', 'framework', 'llmagent', 'runner', 'tools'],
    body: 'ADK is an open-source framework for building AI agents. An LlmAgent pairs a model with instructions and tools; a Runner executes it against a session and yields events. Agents can delegate to sub-agents with transfer_to_agent or call another agent as a tool with AgentTool.',
  },
  {
    title: 'Function tools in ADK',
    url: 'https://google.github.io/adk-docs/tools/function-tools/',
    keywords: ['tool', 'tools', 'function', 'functiontool', 'zod', 'schema', 'call'],
    body: 'A FunctionTool wraps a function the model may call. Its parameters are described by a schema (zod in TypeScript) that ADK turns into a function declaration. The return value goes back to the model as the function response, so a tool should report what happened instead of throwing.',
  },
  {
    title: 'Multi-agent systems',
    url: 'https://google.github.io/adk-docs/agents/multi-agents/',
    keywords: ['multi', 'agent', 'agents', 'coordinator', 'delegation', 'team', 'hierarchy', 'orchestration'],
    body: 'Complex tasks are often split across specialised agents: a coordinator routes work to a reasoning agent, which consults a search agent. Each agent keeps a narrow instruction and a small tool set, which makes its behaviour easier to test and to explain to users.',
  },
  {
    title: 'WebSockets',
    url: 'https://developer.mozilla.org/en-US/docs/Web/API/WebSockets_API',
    keywords: ['websocket', 'websockets', 'socket', 'realtime', 'browser', 'push', 'ws'],
    body: 'A WebSocket is a long-lived, two-way connection between a browser and a server, opened by an HTTP upgrade. Servers push frames whenever they like, which suits live status updates. WebSockets are not covered by CORS, so servers must check the Origin header themselves.',
  },
  {
    title: 'Server-Sent Events versus WebSockets',
    url: 'https://developer.mozilla.org/en-US/docs/Web/API/Server-sent_events',
    keywords: ['sse', 'server', 'sent', 'events', 'eventsource', 'streaming', 'websocket', 'comparison'],
    body: 'Server-Sent Events stream text from server to browser over plain HTTP and reconnect by themselves. WebSockets carry messages both ways. For one-way status feeds both work; WebSockets win when the browser also sends messages, such as chat input, on the same connection.',
  },
  {
    title: 'Google Cloud Pub/Sub',
    url: 'https://cloud.google.com/pubsub/docs/overview',
    keywords: ['pubsub', 'pub', 'sub', 'messaging', 'topic', 'subscription', 'events', 'queue', 'gcp'],
    body: 'Pub/Sub is an asynchronous messaging service: publishers send messages to a topic and every subscription receives a copy. Ordering keys keep one key’s messages in order, and delivery is at least once, so consumers de-duplicate with an id carried in the message.',
  },
  {
    title: 'AsyncLocalStorage in Node.js',
    url: 'https://nodejs.org/api/async_context.html',
    keywords: ['asynclocalstorage', 'async', 'context', 'node', 'nodejs', 'propagation', 'contextvar'],
    body: 'AsyncLocalStorage carries a value through promises and callbacks, like a thread-local for async code. An async generator resumes in the context of whoever calls next(), so a wrapper must bind every step of the iteration, not only the call that created the generator.',
  },
  {
    title: 'Cloud Run',
    url: 'https://cloud.google.com/run/docs/overview/what-is-cloud-run',
    keywords: ['cloud', 'run', 'serverless', 'container', 'deploy', 'scaling', 'instances', 'gcp'],
    body: 'Cloud Run runs containers and scales them with traffic, so one user’s requests may reach different instances. Stateful features such as WebSocket fan-out then need a shared channel between instances, for example a Pub/Sub topic that every instance subscribes to.',
  },
  {
    title: 'Gemini models',
    url: 'https://ai.google.dev/gemini-api/docs/models',
    keywords: ['gemini', 'model', 'models', 'llm', 'flash', 'pro', 'api', 'key'],
    body: 'Gemini models take text, images and other media and can call functions that an application declares. Flash models favour speed and cost; Pro models favour depth. An API key from Google AI Studio, or Vertex AI credentials, is needed to call them.',
  },
  {
    title: 'Exponential backoff with jitter',
    url: 'https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/',
    keywords: ['backoff', 'retry', 'retries', 'jitter', 'reconnect', 'exponential', 'resilience'],
    body: 'Clients that retry at fixed intervals stampede a recovering server. Exponential backoff doubles the wait after each failure, and full jitter picks a random wait up to that bound, spreading reconnects out. The delay resets once a connection has stayed healthy.',
  },
  {
    title: 'Backpressure and slow consumers',
    url: 'https://nodejs.org/en/learn/modules/backpressuring-in-streams',
    keywords: ['backpressure', 'slow', 'consumer', 'buffer', 'memory', 'stream', 'flow', 'control'],
    body: 'When a consumer reads slower than a producer writes, buffers grow until memory runs out. Servers cap what they buffer per connection and then either drop, coalesce to the newest value, or disconnect. For a status feed, keeping only the newest status is a natural choice.',
  },
  {
    title: 'Travel laptops buying guide',
    url: 'https://en.wikipedia.org/wiki/Laptop',
    keywords: ['laptop', 'laptops', 'travel', 'battery', 'weight', 'buy', 'buying', 'portable', 'notebook'],
    body: 'For travel, weight under 1.3 kg and all-day battery life matter most, followed by a bright screen for varied lighting and USB-C charging so one charger serves several devices. A sturdy hinge and a spill-resistant keyboard help on the road.',
  },
];

const STOPWORDS = new Set(['the', 'and', 'for', 'are', 'what', 'how', 'does', 'with', 'that', 'this', 'from', 'can', 'you', 'your', 'about', 'why', 'when', 'which', 'who', 'tell', 'into', 'use', 'using', 'best', 'way']);

export function tokenize(text: string): string[] {
  return (text.toLowerCase().normalize('NFKD').match(/[a-z0-9]+/g) ?? []).filter((word) => word.length >= 2 && !STOPWORDS.has(word));
}

export interface SearchHit {
  title: string;
  url: string;
  snippet: string;
  score: number;
}

const documents = ARTICLES.map((article) => ({
  article,
  title: tokenize(article.title),
  keywords: article.keywords.flatMap(tokenize),
  body: tokenize(article.body),
}));

function idf(term: string): number {
  const containing = documents.filter((doc) => doc.title.includes(term) || doc.keywords.includes(term) || doc.body.includes(term)).length;
  return Math.log(1 + documents.length / (1 + containing));
}

const count = (words: string[], term: string): number => words.reduce((n, word) => n + (word === term ? 1 : 0), 0);

/** The best `limit` articles for `query`, best first; empty when nothing matches. */
export function searchKnowledgeBase(query: string, limit = 3): SearchHit[] {
  const terms = [...new Set(tokenize(query))];
  return documents
    .map(({ article, title, keywords, body }) => ({
      title: article.title,
      url: article.url,
      snippet: article.body.split(/(?<=\.)\s/)[0] ?? article.body,
      score: terms.reduce((sum, term) => sum + (3 * count(title, term) + 2 * count(keywords, term) + count(body, term)) * idf(term), 0),
    }))
    .filter((hit) => hit.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}
