/**
 * `read_sources`: an MCP tool, as most ADK agents reach the world. Its server
 * (source-reader-mcp-server.mjs) reports progress with MCP's `notifications/progress`, and
 * `StatusPlugin` turns each notification into a status, text and progress bar, by itself
 * (docs/adk.md, "MCP tools: their progress as statuses").
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BaseToolset, MCPToolset } from '@google/adk';
import type { BaseTool, ReadonlyContext } from '@google/adk';

const SERVER = 'source-reader-mcp-server.mjs';

// This folder under CommonJS (jest); else found from the working directory: the repository root
// for `npm start` and for the ADK devtools, which bundle this file into a temporary folder.
function serverPath(): string {
  const candidates = [
    ...(typeof __dirname === 'string' ? [path.join(__dirname, SERVER)] : []),
    path.join(process.cwd(), 'examples', 'chat', SERVER),
  ];
  return candidates.find((file) => existsSync(file)) ?? candidates.at(-1)!;
}

// adk-devtools 2.0.0 (`adk web`) deletes the folder it bundled the agent file into once the dev UI
// has drawn the agent graph, and ADK loads the MCP SDK lazily, from that folder, at the first MCP
// session, which then fails ("requires the optional peer dependency"). Loading the SDK's client
// now, from the same folder, lets that later load find it. (`require` is the devtools' CommonJS
// shim there, jest's under jest; with `npm start`, plain ESM, there is none and nothing to do.)
if (typeof require === 'function') {
  for (const entry of ['@modelcontextprotocol/sdk/client/index.js', '@modelcontextprotocol/sdk/client/stdio.js']) {
    try {
      require(entry); // a variable, so that a bundler leaves it to Node
    } catch {
      // not installed: ADK says so at the first MCP call
    }
  }
}

/** The source reader, which ADK starts over stdio; `delayMs` is how long it takes to "read" a page. */
export function sourceReaderToolset({ delayMs }: { delayMs: number }): BaseToolset {
  return new ToolsListedOnce(
    new MCPToolset({
      type: 'StdioConnectionParams',
      serverParams: { command: process.execPath, args: [serverPath()], env: { SOURCE_READER_DELAY_MS: String(delayMs) } },
    }),
  );
}

/**
 * Two things ADK 2.0 does with an `MCPToolset` that a chat with many users does not want:
 * - it asks for the tools before every model call, and over stdio every ask starts the server
 *   anew. This server's tools never change: ask once.
 * - it closes every toolset of the agent tree whenever a run ends, and `MCPToolset.close()` ends
 *   every open MCP session, also the call another user's run has in flight ("Connection closed").
 *   Each MCP call closes its own session anyway, so closing here is left out.
 */
class ToolsListedOnce extends BaseToolset {
  readonly #toolset: BaseToolset;
  #tools: Promise<BaseTool[]> | undefined;

  constructor(toolset: BaseToolset) {
    super([]);
    this.#toolset = toolset;
  }

  override getTools(context?: ReadonlyContext): Promise<BaseTool[]> {
    this.#tools ??= this.#toolset.getTools(context).catch((error: unknown) => {
      this.#tools = undefined; // ask again on the next model call
      throw error;
    });
    return this.#tools;
  }

  override async close(): Promise<void> {}
}
