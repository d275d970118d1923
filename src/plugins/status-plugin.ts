/**
 * `StatusPlugin`: statuses (and lifecycle events) with no model call — before a tool runs, after
 * it finishes, when it fails, and when control passes to another agent. Register it on the
 * runner; call `plugin.instrument(rootAgent)` to cover agents behind `AgentTool`, which run in a
 * plugin-less runner of their own (ADK-NOTES §4). Every callback returns `undefined` and
 * catches its own errors: ADK aborts the whole run when a plugin throws.
 */
import { BasePlugin } from '@google/adk';
import type { BaseAgent, BaseTool, Context, Event, InvocationContext } from '@google/adk';
import { FORWARD_REMOTE_STATUS_MODES, forwardRemoteStatus } from '../adk/remote-a2a-status.js';
import type { ForwardRemoteStatusMode } from '../adk/remote-a2a-status.js';
import { invalidOption } from '../errors.js';
import { getDefaultLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { DEFAULT_MAX_STATUS_LENGTH } from '../protocol.js';
import { instrumentAgentTree } from './instrument-agent-tree.js';
import { LifecycleReporter } from './lifecycle-reporter.js';
import type { LifecycleEvent, LifecycleEventSink } from './lifecycle-events.js';
import { DEFAULT_AGENT_TOOL_TEMPLATES, DEFAULT_TOOL_TEMPLATES, DEFAULT_TRANSFER_TEMPLATE } from './status-templates.js';
import type { StatusTemplate, ToolTemplates } from './status-templates.js';

export interface StatusPluginOptions {
  /** The plugin's name; ADK requires names to be unique per runner. @default 'status_messenger' */
  name?: string;
  /**
   * Texts per tool name, with `{placeholders}` for the tool's arguments:
   * `{ google_search: { start: 'Searching for {query}…', done: false } }`. `false` silences a
   * tool (or one phase of it). The status tool itself is never echoed.
   * @default {}
   */
  tools?: Record<string, ToolTemplates | false>;
  /** Texts for tools without their own. @default { start: 'Running {tool}…', done: 'Finished {tool}', error: '{tool} failed' } */
  defaults?: ToolTemplates;
  /** Texts for AgentTools (another agent as a tool). @default { start: 'Asking {tool}…', done: '{tool} answered', error: '{tool} could not answer' } */
  agentToolDefaults?: ToolTemplates;
  /** Text when an agent hands over with `transfer_to_agent`; `{from}` and `{to}` are the agents. @default 'Handing over to {to}…' */
  transfer?: StatusTemplate;
  /** Per status session, statuses closer together than this replace each other (the newest wins). 0 sends all. @default 100 */
  throttleMs?: number;
  /** Longer texts are cut with an ellipsis. @default 500 */
  maxStatusLength?: number;
  /** Receives `run_start`, `run_end`, `tool_call`, `tool_result`, `tool_error`, `agent_transfer`. @default none */
  publishEvent?: LifecycleEventSink;
  /** @default the default logger */
  logger?: Logger;
  /**
   * Working updates of `RemoteA2AAgent`s become statuses of this run (attributed to the remote
   * agent, kept out of the answer): `'tagged'` those of `toA2aWithStatus` remotes, `'all'` any
   * remote's working text too, `'off'` none. See docs/a2a.md. @default 'tagged'
   */
  forwardRemoteStatus?: ForwardRemoteStatusMode;
}

export class StatusPlugin extends BasePlugin {
  readonly #reporter: LifecycleReporter;
  readonly #remote: ForwardRemoteStatusMode;
  readonly #logger: () => Logger;

  constructor(options: StatusPluginOptions = {}) {
    const {
      name = 'status_messenger',
      tools = {},
      defaults = {},
      agentToolDefaults = {},
      transfer = DEFAULT_TRANSFER_TEMPLATE,
      throttleMs = 100,
      maxStatusLength = DEFAULT_MAX_STATUS_LENGTH,
      publishEvent,
      logger,
      forwardRemoteStatus: remote = 'tagged',
    } = options;
    if (typeof name !== 'string' || name === '') invalidOption('name', 'a non-empty string', name);
    super(name);
    if (typeof tools !== 'object' || tools === null) invalidOption('tools', 'an object keyed by tool name', tools);
    if (!Number.isSafeInteger(throttleMs) || throttleMs < 0) invalidOption('throttleMs', 'a non-negative integer', throttleMs);
    if (!Number.isSafeInteger(maxStatusLength) || maxStatusLength < 2) invalidOption('maxStatusLength', 'an integer ≥ 2', maxStatusLength);
    if (publishEvent !== undefined && typeof publishEvent !== 'function') invalidOption('publishEvent', 'a function', publishEvent);
    if (!FORWARD_REMOTE_STATUS_MODES.includes(remote)) invalidOption('forwardRemoteStatus', "'tagged', 'all' or 'off'", remote);
    this.#remote = remote;
    this.#logger = () => logger ?? getDefaultLogger();
    this.#reporter = new LifecycleReporter({
      tools,
      defaults: { ...DEFAULT_TOOL_TEMPLATES, ...defaults },
      agentToolDefaults: { ...DEFAULT_AGENT_TOOL_TEMPLATES, ...agentToolDefaults },
      transfer,
      throttleMs,
      maxStatusLength,
      publishEvent,
      logger: () => logger ?? getDefaultLogger(),
    });
  }

  /**
   * Reports tool lifecycle for every agent in `root`'s tree, including agents behind AgentTools
   * (where plugins never run). Wraps each tool instance; returns a function that undoes it.
   */
  instrument(root: BaseAgent): () => void {
    return instrumentAgentTree(root, this.#reporter);
  }

  override async beforeRunCallback({ invocationContext }: { invocationContext: InvocationContext }) {
    this.#reporter.runStart(runIds(invocationContext), invocationContext.agent?.name ?? '');
    return undefined;
  }

  override async afterRunCallback({ invocationContext }: { invocationContext: InvocationContext }) {
    this.#reporter.runEnd(runIds(invocationContext), invocationContext.agent?.name ?? '');
  }

  override async onEventCallback({ invocationContext, event }: { invocationContext: InvocationContext; event: Event }) {
    return forwardRemoteStatus(event, invocationContext, this.#remote, this.#logger);
  }

  override async beforeToolCallback(params: { tool: BaseTool; toolArgs: Record<string, unknown>; toolContext: Context }) {
    this.#reporter.toolStart('plugin', params.tool, params.toolArgs, params.toolContext);
    return undefined;
  }

  override async afterToolCallback(params: { tool: BaseTool; toolArgs: Record<string, unknown>; toolContext: Context }) {
    this.#reporter.toolEnd('plugin', params.tool, params.toolArgs, params.toolContext);
    return undefined;
  }

  override async onToolErrorCallback(params: {
    tool: BaseTool;
    toolArgs: Record<string, unknown>;
    toolContext: Context;
    error: Error;
  }) {
    this.#reporter.toolError('plugin', params.tool, params.toolArgs, params.toolContext, params.error);
    return undefined;
  }
}

function runIds(invocationContext: InvocationContext): LifecycleEvent['adk'] {
  return {
    appName: invocationContext.appName,
    userId: invocationContext.userId,
    sessionId: invocationContext.session?.id,
    invocationId: invocationContext.invocationId,
    agent: invocationContext.agent?.name,
  };
}
