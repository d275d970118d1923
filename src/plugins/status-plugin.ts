/**
 * `StatusPlugin`: statuses (and lifecycle events) with no model call — before a tool runs, after
 * it finishes, when it fails, and when control passes to another agent. Register it on the
 * runner (or on the `App` an `adk web` / `adk api_server` agent file exports); call
 * `plugin.instrument(rootAgent)` to cover agents behind `AgentTool`, which run in a plugin-less
 * runner of their own (ADK-NOTES §4). Every run it sees that nobody else bound (no
 * `runWithStatus`, no UI stream around it) it binds itself: the run's statuses go to ADK's event
 * stream, to `hub` when given, to `streamStatusUpdates()` consumers, and the run ends with one
 * `state` status, whatever happens. Every callback returns `undefined` and catches its own
 * errors: ADK aborts the whole run when a plugin throws.
 */
import { BasePlugin } from '@google/adk';
import type { BaseAgent, BaseTool, Context, Event, InvocationContext } from '@google/adk';
import { z } from 'zod';
import { currentStatusSession } from '../binding/context.js';
import { openToolCall, registerRoute, routeFor } from '../binding/routes.js';
import { runEndMessagesOption, StatusRun } from '../binding/status-run.js';
import type { RunEndMessages } from '../binding/status-run.js';
import { bridgeMcpTool } from '../adk/mcp-progress.js';
import type { McpProgressSource } from '../adk/mcp-progress.js';
import { FORWARD_REMOTE_STATUS_MODES, forwardRemoteStatus } from '../adk/remote-a2a-status.js';
import type { ForwardRemoteStatusMode } from '../adk/remote-a2a-status.js';
import { ADK_EVENT_STREAM } from '../destinations/adk-event-stream.js';
import type { StatusDestination } from '../destinations/destination.js';
import { HubSession, isStatusSink } from '../destinations/hub-session.js';
import type { StatusSink } from '../destinations/hub-session.js';
import { StatusListeners } from '../destinations/status-stream.js';
import { getDefaultLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { defineOptions, opt, parseOptions } from '../options.js';
import { DEFAULT_MAX_STATUS_LENGTH } from '../protocol.js';
import type { RunEndState } from '../protocol.js';
import { isServableSessionId } from '../status.js';
import { watchAgentRuns, watchInvocation } from './agent-run-watch.js';
import type { AgentRunOutcome } from './agent-run-watch.js';
import { instrumentAgentTree } from './instrument-agent-tree.js';
import { LifecycleReporter } from './lifecycle-reporter.js';
import type { LifecycleEvent, LifecycleEventSink } from './lifecycle-events.js';
import { DEFAULT_AGENT_TOOL_TEMPLATES, DEFAULT_TOOL_TEMPLATES, DEFAULT_TRANSFER_TEMPLATE } from './status-templates.js';
import type { StatusTemplate, ToolTemplates } from './status-templates.js';

/** The ADK ids a `statusSessionId` function gets. */
export interface StatusRunIdentity {
  appName: string;
  userId: string;
  sessionId: string;
}

export interface StatusPluginOptions {
  /** The plugin's name; ADK requires names to be unique per runner. @default 'status_messenger' */
  name?: string;
  /**
   * Texts per tool name, with `{placeholders}` for the tool's arguments:
   * `{ google_search: { start: 'Searching for {query}…', done: false } }`. A plain string is
   * the start text (`{ lookup: 'Looking up {query}…' }`; done and error keep the defaults).
   * `false` silences a tool (or one phase of it). The status tool itself is never echoed.
   * @default {}
   */
  tools?: Record<string, ToolTemplates | StatusTemplate>;
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
  /**
   * The runs the plugin binds itself (those nobody else bound: no `runWithStatus` around them)
   * also send their statuses to this hub: for `adk web`, `adk api_server` and other servers you
   * do not own. @default none (ADK's event stream and `streamStatusUpdates()` only)
   */
  hub?: StatusSink;
  /**
   * The texts of the last status of a run the plugin binds, by how it ended, for apps not in English.
   * @default { done: 'Done', failed: 'Something went wrong. Please try again.', aborted: 'Stopped' }
   */
  runEndMessages?: RunEndMessages;
  /**
   * The browser's session id for a run the plugin binds. A throw or a bad id leaves that run
   * unbound (logged). @default the ADK session id
   */
  statusSessionId?: (ids: StatusRunIdentity) => string;
  /** `false` keeps the plugin's statuses out of the ADK run's own event stream. @default true */
  eventStream?: boolean;
  /** @default the default logger */
  logger?: Logger;
  /**
   * Working updates of `RemoteA2AAgent`s become statuses of this run (attributed to the remote
   * agent, kept out of the answer): `'tagged'` those of `toA2aWithStatus` remotes, `'all'` any
   * remote's working text too, `'off'` none. See docs/a2a.md. @default 'tagged'
   */
  forwardRemoteStatus?: ForwardRemoteStatusMode;
  /**
   * The progress notifications of ADK MCP tools (`MCPToolset`) become statuses of the run (the
   * server's `message`, `progress` in percent when it gives a total), throttled with `throttleMs`;
   * `instrument()` covers MCP tools behind AgentTools too. `false` leaves MCP tools as ADK made
   * them. See docs/adk.md. @default true
   */
  mcpProgress?: boolean;
}

const isTemplate = (v: unknown): boolean => typeof v === 'string' || v === false || typeof v === 'function';
const isToolTemplates = (v: unknown): boolean =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.entries(v).every(([k, t]) => (k === 'start' || k === 'done' || k === 'error') && (t === undefined || isTemplate(t)));
const TEMPLATE_SHAPE = 'a template (a string, a function or false)';
const template = z.custom<StatusTemplate>(isTemplate, { message: TEMPLATE_SHAPE });
const toolTemplates = z.strictObject({ start: template.optional(), done: template.optional(), error: template.optional() });

const PLUGIN_OPTIONS = defineOptions('new StatusPlugin(options)', {
  name: z.string().min(1).optional(),
  tools: z
    .record(
      z.string(),
      z.custom<ToolTemplates | StatusTemplate>((v) => isTemplate(v) || isToolTemplates(v), {
        message: `${TEMPLATE_SHAPE}, or an object { start?, done?, error? } of templates`,
      }),
    )
    .optional(),
  defaults: toolTemplates.optional(),
  agentToolDefaults: toolTemplates.optional(),
  transfer: template.optional(),
  throttleMs: opt.nonNegativeInt().optional(),
  maxStatusLength: z.number().int().min(2).optional(),
  publishEvent: opt.fn<LifecycleEventSink>().optional(),
  hub: z.custom<StatusSink>(isStatusSink, { message: 'a StatusHub' }).optional(),
  runEndMessages: runEndMessagesOption.optional(),
  statusSessionId: opt.fn<(ids: StatusRunIdentity) => string>().optional(),
  eventStream: z.boolean().optional(),
  forwardRemoteStatus: z.enum(FORWARD_REMOTE_STATUS_MODES).optional(),
  mcpProgress: z.boolean().optional(),
  logger: z.custom<Logger>((v) => typeof (v as Logger | undefined)?.warn === 'function', { message: 'a Logger' }).optional(),
});

/** Runs the plugin bound itself are forgotten after this long even when ADK never ends them. */
const BINDING_TTL_MS = 30 * 60_000;
const MAX_OPEN_CALLS = 10_000;

interface RunBinding {
  /** App, user and session: a newer run of the same session supersedes an older one ADK never ended. */
  key: string;
  startedAt: number;
  run: StatusRun;
  /** The run's last event carried an ADK `errorCode` (a model failure): it ends as failed. */
  lastWasError: boolean;
  unbind: () => void;
}

export class StatusPlugin extends BasePlugin {
  readonly #reporter: LifecycleReporter;
  readonly #remote: ForwardRemoteStatusMode;
  readonly #hub: StatusSink | undefined;
  readonly #runEndMessages: RunEndMessages | undefined;
  readonly #statusSessionId: StatusPluginOptions['statusSessionId'];
  readonly #logger: () => Logger;
  /** The settings of the MCP tools this plugin bridges; undefined when `mcpProgress` is off. */
  readonly #mcpProgress: McpProgressSource | undefined;
  /** Runs this plugin bound itself, by invocation id. */
  readonly #bindings = new Map<string, RunBinding>();
  /** Open tool calls of the runs this plugin sees, for statuses made inside AgentTool sub-runs. */
  readonly #openCalls = new Map<string, () => void>();
  #warnedBinding = false;

  constructor(options: StatusPluginOptions = {}) {
    const parsed = parseOptions(PLUGIN_OPTIONS, options);
    super(parsed.name ?? 'status_messenger');
    const {
      tools = {},
      defaults = {},
      agentToolDefaults = {},
      transfer = DEFAULT_TRANSFER_TEMPLATE,
      throttleMs = 100,
      maxStatusLength = DEFAULT_MAX_STATUS_LENGTH,
      publishEvent,
      logger,
      forwardRemoteStatus: remote = 'tagged',
    } = parsed;
    this.#remote = remote;
    this.#hub = parsed.hub;
    this.#runEndMessages = parsed.runEndMessages;
    this.#statusSessionId = parsed.statusSessionId;
    this.#logger = () => logger ?? getDefaultLogger();
    const mcpSettings = Object.freeze({ throttleMs, eventStream: parsed.eventStream ?? true, logger: this.#logger });
    this.#mcpProgress = parsed.mcpProgress === false ? undefined : () => mcpSettings;
    // A plain string is the start text of that tool.
    const perTool: Record<string, ToolTemplates | false> = {};
    for (const [toolName, value] of Object.entries(tools)) {
      perTool[toolName] = value === false ? false : isToolTemplates(value) ? (value as ToolTemplates) : { start: value as StatusTemplate };
    }
    this.#reporter = new LifecycleReporter({
      tools: perTool,
      defaults: { ...DEFAULT_TOOL_TEMPLATES, ...defaults },
      agentToolDefaults: { ...DEFAULT_AGENT_TOOL_TEMPLATES, ...agentToolDefaults },
      transfer,
      throttleMs,
      maxStatusLength,
      publishEvent,
      eventStream: parsed.eventStream ?? true,
      owner: this,
      logger: this.#logger,
    });
  }

  /**
   * Reports tool lifecycle for every agent in `root`'s tree, including agents behind AgentTools
   * (where plugins never run). Wraps each tool instance; returns a function that undoes it.
   */
  instrument(root: BaseAgent): () => void {
    return instrumentAgentTree(root, this.#reporter, this.#mcpProgress);
  }

  override async beforeRunCallback({ invocationContext }: { invocationContext: InvocationContext }) {
    try {
      this.#bind(invocationContext);
    } catch (error) {
      this.#logger().error('StatusPlugin could not bind the run; the run continues.', error);
    }
    this.#reporter.runStart(runIds(invocationContext), invocationContext.agent?.name ?? '');
    return undefined;
  }

  override async afterRunCallback({ invocationContext }: { invocationContext: InvocationContext }) {
    this.#reporter.runEnd(runIds(invocationContext), invocationContext.agent?.name ?? '');
    this.#end(invocationContext.invocationId, 'done');
  }

  override async onEventCallback({ invocationContext, event }: { invocationContext: InvocationContext; event: Event }) {
    const binding = this.#bindings.get(invocationContext.invocationId);
    if (binding && !event.partial) binding.lastWasError = Boolean(event.errorCode);
    return forwardRemoteStatus(event, invocationContext, this.#remote, this.#logger);
  }

  override async beforeToolCallback(params: { tool: BaseTool; toolArgs: Record<string, unknown>; toolContext: Context }) {
    // MCPToolset hands the model new tool instances on every call: bridge the one about to run.
    if (this.#mcpProgress) {
      try {
        bridgeMcpTool(params.tool, this.#mcpProgress);
      } catch (error) {
        this.#logger().error('StatusPlugin could not bridge MCP progress; the tool runs as before.', error);
      }
    }
    this.#openCall(params.toolContext, params.tool);
    this.#reporter.toolStart('plugin', params.tool, params.toolArgs, params.toolContext);
    return undefined;
  }

  override async afterToolCallback(params: { tool: BaseTool; toolArgs: Record<string, unknown>; toolContext: Context }) {
    this.#reporter.toolEnd('plugin', params.tool, params.toolArgs, params.toolContext);
    this.#closeCall(params.toolContext);
    return undefined;
  }

  override async onToolErrorCallback(params: {
    tool: BaseTool;
    toolArgs: Record<string, unknown>;
    toolContext: Context;
    error: Error;
  }) {
    this.#reporter.toolError('plugin', params.tool, params.toolArgs, params.toolContext, params.error);
    this.#closeCall(params.toolContext);
    return undefined;
  }

  #openCall(ctx: Context | undefined, tool: BaseTool): void {
    if (!ctx) return;
    const key = `${ctx.invocationId}\u0000${ctx.functionCallId ?? ''}`;
    this.#openCalls.get(key)?.();
    this.#openCalls.set(key, openToolCall(ctx, tool.name));
    if (this.#openCalls.size > MAX_OPEN_CALLS) {
      const [oldest, close] = this.#openCalls.entries().next().value!;
      close();
      this.#openCalls.delete(oldest);
    }
  }

  #closeCall(ctx: Context | undefined): void {
    if (!ctx) return;
    const key = `${ctx.invocationId}\u0000${ctx.functionCallId ?? ''}`;
    this.#openCalls.get(key)?.();
    this.#openCalls.delete(key);
  }

  /** Binds a run nobody else bound: a run of its own, found by the run's tool calls through a route. */
  #bind(invocationContext: InvocationContext): void {
    const ids = runIds(invocationContext);
    const { appName, userId, sessionId, invocationId } = ids;
    if (!userId || !sessionId || !invocationId) return;
    const now = Date.now();
    const key = `${appName ?? ''}\u0000${userId}\u0000${sessionId}`;
    // A newer run of the same session supersedes one ADK never ended, and any binding older than
    // the TTL goes (a run the watcher could not follow: a workflow root, an early exit).
    for (const [id, binding] of this.#bindings) {
      if (binding.key === key || now - binding.startedAt > BINDING_TTL_MS) this.#end(id, binding.run.shown ? 'failed' : 'aborted');
    }
    // runWithStatus, a UI stream or another plugin has it.
    if (currentStatusSession() || routeFor({ invocationId })) return;
    let statusSessionId = sessionId;
    if (this.#statusSessionId) {
      try {
        statusSessionId = this.#statusSessionId({ appName: appName ?? '', userId, sessionId });
      } catch (error) {
        this.#warnBinding('the `statusSessionId` function threw', error);
        statusSessionId = '';
      }
    }
    const servable = isServableSessionId(statusSessionId);
    if (this.#hub && !servable && statusSessionId !== '') {
      this.#warnBinding(`the status session id ${JSON.stringify(String(statusSessionId).slice(0, 80))} cannot be served by the hub`);
    }
    const destinations: StatusDestination[] = [];
    if (this.#hub && servable) destinations.push(new HubSession(this.#hub, statusSessionId));
    destinations.push(ADK_EVENT_STREAM, new StatusListeners(servable ? statusSessionId : sessionId));
    const run = new StatusRun({
      sessionId: servable ? statusSessionId : sessionId,
      adk: { appName, userId, sessionId },
      destinations,
      runEndMessages: this.#runEndMessages,
      signal: invocationContext.abortSignal,
    });
    const unregister = registerRoute({ appName, userId, sessionId, invocationId }, run);
    const signal = invocationContext.abortSignal;
    const onAbort = (): void => this.#end(invocationId, 'aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    // ADK skips afterRunCallback when a run throws or is abandoned: learn it from the root agent.
    const unwatch = watchAgentRuns(invocationContext.agent)
      ? watchInvocation(invocationId, (outcome) => this.#agentEnded(invocationId, outcome, signal))
      : () => {};
    this.#bindings.set(invocationId, {
      key,
      startedAt: now,
      run,
      lastWasError: false,
      unbind: () => {
        signal?.removeEventListener('abort', onAbort);
        unwatch();
        unregister();
      },
    });
  }

  /** The root agent's run ended; a completed one ends in `afterRunCallback`, which ADK calls next. */
  #agentEnded(invocationId: string, outcome: AgentRunOutcome, signal: AbortSignal | undefined): void {
    if (outcome === 'completed') return;
    // Stopped without an abort: the Runner threw after the agent's last event (its session
    // store failed), or its consumer let go of it; ADK gives a plugin no way to tell which.
    this.#end(invocationId, outcome === 'threw' || signal?.aborted !== true ? 'failed' : 'aborted');
  }

  /** Ends a run this plugin bound: its end status (once), then its route goes. */
  #end(invocationId: string | undefined, state: RunEndState): void {
    if (!invocationId) return;
    const binding = this.#bindings.get(invocationId);
    if (!binding) return;
    this.#bindings.delete(invocationId);
    try {
      binding.run.end(state === 'done' && binding.lastWasError ? 'failed' : state);
    } finally {
      binding.unbind();
    }
  }

  #warnBinding(reason: string, error?: unknown): void {
    if (this.#warnedBinding) return;
    this.#warnedBinding = true;
    this.#logger().warn(`StatusPlugin: ${reason}, so that run's statuses reach no browser. The run goes on.`, ...(error ? [error] : []));
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
