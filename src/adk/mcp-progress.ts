/**
 * MCP progress as statuses. An MCP server that indexes, crawls or converts says how far it is
 * with `notifications/progress` (`progress`, optional `total` and `message`), but only to a
 * caller whose request carries a progress token, and ADK 2.0's `MCPTool.runAsync` calls
 * `session.callTool(params, undefined, { signal })` without one. Inside a run the library bound
 * (`runWithStatus`, `StatusPlugin`, …), a bridged MCP tool asks for progress and turns each
 * notification into one status of that run, live, throttled like the plugin's lifecycle
 * statuses; what the throttle holds goes out when the call returns, so the last progress shows
 * before the tool's own end status. Outside any binding the call is left exactly as ADK makes it.
 *
 * ADK has no hook for this, so the bridge leans on how ADK 2.0 is built, each part
 * feature-detected (a mismatch logs one warning and leaves the tool as it was):
 * - an MCP tool keeps an `mcpSessionManager` (TypeScript-private, a plain property at runtime)
 *   with `createSession()` and `closeSession(client)`, and its `runAsync` opens its session there;
 * - that session is the MCP SDK's `Client`, whose `callTool(params, schema, options)` takes
 *   `onprogress`.
 * A bridged call runs ADK's own `runAsync` with a receiver whose `mcpSessionManager` hands out
 * the same client behind a proxy that adds `onprogress` (and `resetTimeoutOnProgress`) to ADK's
 * options, ADK's abort `signal` kept. Nothing is imported from the MCP SDK: ADK loads its own copy
 * with `require`, whose `Client` is not the class an ESM import would give.
 * `MCPToolset.getTools()` builds new tools on every model call, so a toolset is bridged by
 * wrapping its `getTools`. State lives on the tool under `Symbol.for` keys, so a tool bridged
 * twice (the plugin and `withMcpProgress`, two plugins, two copies of this package) reports
 * each notification once.
 */
import { isBaseTool, isBaseToolset } from '@google/adk';
import type { BaseTool, BaseToolset, Context } from '@google/adk';
import { bindToolCall, currentToolCall } from '../binding/context.js';
import type { StatusSession } from '../binding/context.js';
import { statusSessionFor } from '../binding/status-run.js';
import { getDefaultLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { defineOptions, opt, parseOptions } from '../options.js';
import { processRegistry } from '../process-registry.js';
import type { StatusUpdate } from '../protocol.js';
import { humanizeName } from '../status.js';

export interface WithMcpProgressOptions {
  /**
   * Statuses of one run closer together than this replace each other (the newest wins); what is
   * held goes out when the MCP call returns. 0 sends every notification. ADK's event stream gets
   * each one at once. @default 100 (as `StatusPlugin`)
   */
  throttleMs?: number;
}

/** How a bridged call reports its progress. */
export interface McpProgressSettings {
  throttleMs: number;
  /** `false` keeps the statuses out of ADK's event stream. */
  eventStream: boolean;
  logger: () => Logger;
}

/** Where a bridged tool reads its settings; `undefined` turns the bridge off (undone). */
export type McpProgressSource = () => McpProgressSettings | undefined;

const WITH_MCP_PROGRESS_OPTIONS = defineOptions('withMcpProgress(toolOrToolset, options)', {
  throttleMs: opt.nonNegativeInt().optional(),
});

const TOOL_STATE = Symbol.for('adk-status-messenger.mcp-progress.tool.v1');
const TOOLSET_STATE = Symbol.for('adk-status-messenger.mcp-progress.toolset.v1');
/** Marks the session manager a bridged call hands to ADK: a second bridge leaves that call alone. */
const BRIDGED_CALL = Symbol.for('adk-status-messenger.mcp-progress.call.v1');
const MAX_LABEL_LENGTH = 128;
/** Marks the sources `withMcpProgress` makes: a later call replaces an earlier one's. */
const WRAPPED_BY_HAND = Symbol.for('adk-status-messenger.mcp-progress.by-hand.v1');

type RunAsync = BaseTool['runAsync'];
type GetTools = BaseToolset['getTools'];
type AnyFunction = (...args: unknown[]) => unknown;

interface Bridge<F> {
  /** Who bridged it; the newest that still gives settings is used. */
  sources: McpProgressSource[];
  original: F;
  hadOwn: boolean;
  wrapper: F;
  /** This ADK's MCP tool does not fit the bridge: calls pass through untouched. */
  unfit?: true;
}

interface SessionManagerLike {
  createSession(...args: unknown[]): Promise<unknown>;
  closeSession?(client: unknown, ...rest: unknown[]): Promise<unknown>;
}

interface ClientLike {
  callTool(params: unknown, resultSchema?: unknown, options?: unknown, ...rest: unknown[]): Promise<unknown>;
}

/** The fields of an MCP `notifications/progress` the bridge reads. */
export interface McpProgressNotification {
  progress: number;
  total?: number;
  message?: string;
}

type WithState<K extends symbol, F> = { [P in K]?: Bridge<F> };
type BridgedTool = BaseTool & WithState<typeof TOOL_STATE, RunAsync>;
type BridgedToolset = BaseToolset & WithState<typeof TOOLSET_STATE, GetTools>;

const NOOP = (): void => {};

// One warning per reason, for the whole process (every copy of the package).
const warned = processRegistry('mcp-progress-warnings.v1', () => new Set<string>());
// MCP tool classes that do not fit the bridge: `getTools()` builds new instances all the time.
const unfitClasses = processRegistry('mcp-progress-unfit.v1', () => new WeakSet<object>());

function warnOnce(logger: () => Logger, reason: string, message: string, error?: unknown): void {
  if (warned.has(reason)) return;
  warned.add(reason);
  logger().warn(`MCP progress: ${message}`, ...(error === undefined ? [] : [error]));
}

/**
 * Bridges the progress of an ADK MCP tool, or of every MCP tool an ADK toolset (`MCPToolset`)
 * hands out, for the runs the library binds (`runWithStatus`, `withStatusSession`); `StatusPlugin`
 * does this itself for MCP tools anywhere in the agent tree (option `mcpProgress`). Returns what
 * it was given, so it wraps in place: `tools: [withMcpProgress(new MCPToolset(params))]`. Outside
 * any binding the tool behaves exactly as before.
 *
 * Throws a `TypeError` for something that is neither a tool nor a toolset; an MCP tool this
 * version of ADK builds differently is left unchanged, with one warning.
 */
export function withMcpProgress<T extends BaseTool | BaseToolset>(toolOrToolset: T, options?: WithMcpProgressOptions): T {
  const parsed = parseOptions(WITH_MCP_PROGRESS_OPTIONS, options);
  const settings: McpProgressSettings = Object.freeze({
    throttleMs: parsed.throttleMs ?? 100,
    eventStream: true,
    logger: getDefaultLogger,
  });
  const source: McpProgressSource = Object.assign(() => settings, { [WRAPPED_BY_HAND]: true });
  if (isBaseToolset(toolOrToolset)) {
    bridgeMcpToolset(toolOrToolset, source);
  } else if (isBaseTool(toolOrToolset)) {
    if (!looksLikeMcpTool(toolOrToolset)) {
      throw new TypeError(
        `withMcpProgress(toolOrToolset): \`${toolOrToolset.name}\` is not an MCP tool; pass an MCPToolset or one of its tools`,
      );
    }
    bridgeMcpTool(toolOrToolset, source);
  } else {
    throw new TypeError('withMcpProgress(toolOrToolset): expected an ADK MCPToolset or MCPTool (a BaseToolset or a BaseTool)');
  }
  return toolOrToolset;
}

/**
 * Bridges one tool when it is an MCP tool (anything else is left alone, silently); returns a
 * function that undoes it. Reporting uses the newest source that still gives settings.
 */
export function bridgeMcpTool(tool: BaseTool, source: McpProgressSource): () => void {
  const target = tool as BridgedTool;
  let state = target[TOOL_STATE];
  if (!state) {
    if (!sessionManagerOf(tool)) {
      if (looksLikeMcpTool(tool)) {
        warnOnce(
          () => source()?.logger() ?? getDefaultLogger(),
          'tool-shape',
          `the MCP tool \`${tool.name}\` has no \`mcpSessionManager.createSession()\` (a newer ADK?); its progress is not shown. ` +
            'The tool works as before.',
        );
      }
      return NOOP;
    }
    state = installToolBridge(target);
  }
  const bridge = state;
  addSource(bridge, source);
  return () => {
    const index = bridge.sources.lastIndexOf(source);
    if (index !== -1) bridge.sources.splice(index, 1);
    // Restored only while nobody wrapped over us; otherwise the wrapper stays, passing calls through.
    if (bridge.sources.length > 0 || target[TOOL_STATE] !== bridge || target.runAsync !== bridge.wrapper) return;
    if (bridge.hadOwn) Object.defineProperty(target, 'runAsync', { value: bridge.original, configurable: true, writable: true });
    else delete (target as Partial<BridgedTool>).runAsync;
    delete target[TOOL_STATE];
  };
}

/**
 * Bridges every MCP tool `toolset.getTools()` hands out from now on (the tools it handed out
 * before keep what they had); returns a function that undoes it, for the tools already handed
 * out too.
 */
export function bridgeMcpToolset(toolset: BaseToolset, source: McpProgressSource): () => void {
  const target = toolset as BridgedToolset;
  let state = target[TOOLSET_STATE];
  if (!state) {
    if (typeof target.getTools !== 'function') return NOOP;
    const hadOwn = Object.prototype.hasOwnProperty.call(target, 'getTools');
    const original = target.getTools;
    const created: Bridge<GetTools> = {
      sources: [],
      original,
      hadOwn,
      wrapper: async function (this: BaseToolset, ...args: Parameters<GetTools>) {
        const tools = await created.original.apply(this, args);
        if (activeSettings(created) && Array.isArray(tools)) {
          for (const tool of tools) if (isBaseTool(tool)) bridgeMcpTool(tool, toolsetSource);
        }
        return tools;
      },
    };
    // The tools a toolset hands out follow the toolset: undone with it.
    const toolsetSource: McpProgressSource = () => activeSettings(created);
    Object.defineProperty(target, 'getTools', { value: created.wrapper, configurable: true, writable: true });
    Object.defineProperty(target, TOOLSET_STATE, { value: created, configurable: true });
    state = created;
  }
  const bridge = state;
  addSource(bridge, source);
  return () => {
    const index = bridge.sources.lastIndexOf(source);
    if (index !== -1) bridge.sources.splice(index, 1);
    if (bridge.sources.length > 0 || target[TOOLSET_STATE] !== bridge || target.getTools !== bridge.wrapper) return;
    if (bridge.hadOwn) Object.defineProperty(target, 'getTools', { value: bridge.original, configurable: true, writable: true });
    else delete (target as Partial<BridgedToolset>).getTools;
    delete target[TOOLSET_STATE];
  };
}

function installToolBridge(target: BridgedTool): Bridge<RunAsync> {
  const hadOwn = Object.prototype.hasOwnProperty.call(target, 'runAsync');
  const state: Bridge<RunAsync> = {
    sources: [],
    original: target.runAsync,
    hadOwn,
    wrapper: async function (this: BaseTool, request) {
      const pass = (): Promise<unknown> => state.original.call(this, request);
      const settings = state.unfit || unfitClasses.has(this.constructor) ? undefined : activeSettings(state);
      const ctx = request?.toolContext as Context | undefined;
      const manager = sessionManagerOf(this);
      // Not asked for, no tool call, or another bridge already has this call.
      if (!settings || !ctx || !manager || (manager as { [BRIDGED_CALL]?: boolean })[BRIDGED_CALL]) return pass();
      let session: StatusSession | undefined;
      try {
        session = statusSessionFor(ctx);
      } catch (error) {
        warnOnce(settings.logger, 'route', 'could not look up the run of an MCP call; its progress is not shown.', error);
      }
      if (!session) return pass(); // outside any binding: exactly as ADK makes the call
      const call = new ProgressCall(this.name, ctx, session, settings);
      const receiver = Object.create(this, {
        mcpSessionManager: { value: call.sessionManager(manager), configurable: true, enumerable: true, writable: true },
      }) as BaseTool;
      let result: unknown;
      try {
        result = await state.original.call(receiver, request);
      } catch (error) {
        // ADK's runAsync threw before it asked for a session: this ADK cannot run on our receiver
        // (private fields?). Nothing reached the server yet, so run it as ADK would.
        if (call.asked || !(error instanceof TypeError)) throw error;
        unfit(state, this, settings, 'does not run with a replaced `mcpSessionManager`', error);
        return await pass();
      } finally {
        call.end();
      }
      if (!call.asked) unfit(state, this, settings, 'does not open its session through `mcpSessionManager.createSession()`');
      return result;
    },
  };
  Object.defineProperty(target, 'runAsync', { value: state.wrapper, configurable: true, writable: true });
  Object.defineProperty(target, TOOL_STATE, { value: state, configurable: true });
  return state;
}

/** One bridged MCP call: asks the server for progress and turns each notification into a status. */
class ProgressCall {
  readonly #tool: string;
  readonly #ctx: Context;
  readonly #session: StatusSession;
  readonly #settings: McpProgressSettings;
  /** The outermost tool call bound where the call started; notifications arrive outside it. */
  readonly #bound = currentToolCall();
  #asked = false;
  #sent = false;
  #ended = false;

  constructor(tool: string, ctx: Context, session: StatusSession, settings: McpProgressSettings) {
    this.#tool = tool.slice(0, MAX_LABEL_LENGTH);
    this.#ctx = ctx;
    this.#session = session;
    this.#settings = settings;
  }

  /** Whether ADK asked the bridged session manager for a session. */
  get asked(): boolean {
    return this.#asked;
  }

  /** ADK's session manager as this call sees it: the same sessions, their `callTool` asking for progress. */
  sessionManager(manager: SessionManagerLike): SessionManagerLike {
    const clients = new WeakMap<object, unknown>(); // proxy → ADK's client
    const methods = new WeakMap<AnyFunction, AnyFunction>();
    const createSession = async (...args: unknown[]): Promise<unknown> => {
      this.#asked = true;
      const client = await manager.createSession(...args);
      if (typeof (client as Partial<ClientLike> | null)?.callTool !== 'function') {
        warnOnce(this.#settings.logger, 'client-shape', 'the MCP session ADK opened has no `callTool`; its progress is not shown.');
        return client;
      }
      const proxy = this.#client(client as ClientLike);
      clients.set(proxy, client);
      return proxy;
    };
    return new Proxy(manager, {
      get: (target, key) => {
        if (key === BRIDGED_CALL) return true;
        if (key === 'createSession') return createSession;
        const value = Reflect.get(target, key, target) as unknown;
        if (typeof value !== 'function') return value;
        if (key === 'closeSession') {
          return (client: unknown, ...rest: unknown[]) =>
            (value as AnyFunction).call(target, (typeof client === 'object' && client !== null && clients.get(client)) || client, ...rest);
        }
        return boundMethod(methods, value as AnyFunction, target);
      },
    });
  }

  /** The client as ADK's `runAsync` sees it: `callTool` asks for progress, everything else is the client's own. */
  #client(client: ClientLike): object {
    const methods = new WeakMap<AnyFunction, AnyFunction>();
    const callTool = (params: unknown, resultSchema?: unknown, options?: unknown, ...rest: unknown[]): Promise<unknown> =>
      client.callTool(params, resultSchema, this.#withProgress(options), ...rest);
    return new Proxy(client, {
      get: (target, key) => {
        if (key === 'callTool') return callTool;
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? boundMethod(methods, value as AnyFunction, target) : value;
      },
    });
  }

  /** ADK's request options (its abort `signal` among them) plus `onprogress`. */
  #withProgress(options: unknown): Record<string, unknown> {
    const given = typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {};
    const theirs = given.onprogress;
    return {
      ...given,
      // A server that reports progress is still working: its progress keeps the request alive.
      resetTimeoutOnProgress: given.resetTimeoutOnProgress ?? true,
      onprogress: (progress: unknown) => {
        this.report(progress);
        if (typeof theirs === 'function') (theirs as AnyFunction)(progress);
      },
    };
  }

  /** One notification, one status (none after the call ended or its run was aborted). Never throws. */
  report(notification: unknown): void {
    if (this.#ended || this.#ctx.abortSignal?.aborted === true) return;
    try {
      const update = progressStatus(this.#tool, this.#ctx.agentName, notification);
      if (!update) return;
      const { throttleMs, eventStream } = this.#settings;
      const send = () => this.#session.send(update, { toolContext: this.#ctx, throttleMs, eventStream });
      if (this.#bound) bindToolCall(this.#bound, send);
      else send();
      this.#sent = true;
    } catch (error) {
      warnOnce(this.#settings.logger, 'send', 'a progress status could not be sent; the MCP call goes on.', error);
    }
  }

  /** The call returned (or threw): later notifications are ignored, and what the throttle holds goes out now. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.#sent || this.#ctx.abortSignal?.aborted === true) return;
    try {
      this.#session.flush?.();
    } catch (error) {
      warnOnce(this.#settings.logger, 'flush', 'the last progress status could not be sent.', error);
    }
  }
}

/**
 * The status for one progress notification: its `message`, else the tool and how far it is;
 * `progress` = 100 × progress / total (clamped to 0–100) when `total` is known.
 */
export function progressStatus(tool: string, agent: string | undefined, notification: unknown): StatusUpdate | undefined {
  const { progress, total, message } = (notification ?? {}) as Partial<Record<keyof McpProgressNotification, unknown>>;
  if (typeof progress !== 'number' || !Number.isFinite(progress)) return undefined;
  const percent =
    typeof total === 'number' && Number.isFinite(total) && total > 0 ? Math.min(100, Math.max(0, (100 * progress) / total)) : undefined;
  const label = humanizeName(tool);
  const fallback = `${label.charAt(0).toUpperCase()}${label.slice(1)}: ${percent === undefined ? String(Math.round(progress * 100) / 100) : `${Math.round(percent)}%`}`;
  const text = typeof message === 'string' && message.trim() !== '' ? message : fallback;
  const update: StatusUpdate = { message: text, tool };
  if (percent !== undefined) update.progress = percent;
  if (agent) update.agent = agent.slice(0, MAX_LABEL_LENGTH);
  return update;
}

/** This ADK's MCP tool does not fit the bridge: later calls pass through untouched. */
function unfit(state: Bridge<RunAsync>, tool: BaseTool, settings: McpProgressSettings, why: string, error?: unknown): void {
  state.unfit = true;
  unfitClasses.add(tool.constructor);
  warnOnce(settings.logger, 'unfit', `this ADK's MCPTool.runAsync ${why}; MCP progress is off, the tools work as before.`, error);
}

function addSource(bridge: Bridge<unknown>, source: McpProgressSource): void {
  if (bridge.sources.includes(source)) return;
  // withMcpProgress called again on the same object: its newer options replace the older ones.
  if (WRAPPED_BY_HAND in source) {
    for (let i = bridge.sources.length - 1; i >= 0; i -= 1) if (WRAPPED_BY_HAND in bridge.sources[i]!) bridge.sources.splice(i, 1);
  }
  bridge.sources.push(source);
}

function activeSettings(state: Bridge<unknown>): McpProgressSettings | undefined {
  for (let i = state.sources.length - 1; i >= 0; i -= 1) {
    const settings = state.sources[i]!();
    if (settings) return settings;
  }
  return undefined;
}

function sessionManagerOf(tool: object): SessionManagerLike | undefined {
  const manager = (tool as { mcpSessionManager?: unknown }).mcpSessionManager;
  return typeof manager === 'object' && manager !== null && typeof (manager as Partial<SessionManagerLike>).createSession === 'function'
    ? (manager as SessionManagerLike)
    : undefined;
}

/** An ADK MCP tool, by its shape or, for one whose internals changed, by its name. */
function looksLikeMcpTool(tool: BaseTool): boolean {
  return sessionManagerOf(tool) !== undefined || 'mcpTool' in tool || tool.constructor?.name === 'MCPTool';
}

function boundMethod(cache: WeakMap<AnyFunction, AnyFunction>, fn: AnyFunction, target: object): AnyFunction {
  let bound = cache.get(fn);
  if (!bound) cache.set(fn, (bound = fn.bind(target) as AnyFunction));
  return bound;
}
