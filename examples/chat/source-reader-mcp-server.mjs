// The chat example's MCP server: `read_sources({ urls })` reads each source page and says how far
// it is on MCP's standard progress channel (`notifications/progress`: "Reading source 2 of 3:
// cloud.google.com", progress 2 of 3). A plain MCP server built with the MCP SDK, speaking stdio;
// it knows nothing of statuses. ADK starts it (source-reader.ts) and StatusPlugin shows its
// progress.
//
// Offline there is nothing to fetch, so it only pretends to read, at a pace people can follow
// (SOURCE_READER_DELAY_MS per page); a real one would fetch and summarise the pages. It is plain
// JavaScript because ADK starts a new server process for every call, and node starts a .mjs file
// much faster than a TypeScript one.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { EmptyResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const delayMs = Number(process.env.SOURCE_READER_DELAY_MS ?? 400);

function pause(ms, signal) {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const server = new McpServer({ name: 'source-reader', version: '1.0.0' });
server.registerTool(
  'read_sources',
  {
    description: 'Reads the source pages at the given URLs.',
    inputSchema: { urls: z.array(z.string().url()).min(1).max(10).describe('The URLs of the sources to read') },
  },
  async ({ urls }, extra) => {
    // The caller wants progress when its request carries a progress token.
    const token = extra._meta?.progressToken;
    const read = [];
    for (const [index, url] of urls.entries()) {
      if (token !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: index + 1, total: urls.length, message: `Reading source ${index + 1} of ${urls.length}: ${new URL(url).hostname}` },
        });
      }
      await pause(delayMs, extra.signal);
      if (extra.signal.aborted) break;
      read.push(url);
    }
    // Over stdio the MCP SDK (1.32) can drop a notification that reaches the client in the same
    // read as the result: a ping round trip first makes sure the last one was handled.
    if (token !== undefined && !extra.signal.aborted) await extra.sendRequest({ method: 'ping' }, EmptyResultSchema);
    return { content: [{ type: 'text', text: `Read ${read.length} of ${urls.length} sources:\n${read.join('\n')}` }] };
  },
);
await server.connect(new StdioServerTransport());
