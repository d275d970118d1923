/**
 * Turns tool and run lifecycle into statuses (sent to the run the call belongs to, throttled:
 * the newest of a burst wins) and events (through an optional sink). Shared by `StatusPlugin`'s
 * callbacks and by the tool wrappers `instrument()` installs for agents the plugin cannot see;
 * whichever sees a function call first claims it, so nothing is reported twice. Never throws.
 */
import type { BaseAgent, BaseTool, Context } from '@google/adk';
import { isAgentTool } from '@google/adk';
import { routeFor, routeForToolCall } from '../binding/routes.js';
import type { AdkIds } from '../binding/routes.js';
import { currentStatusSession } from '../binding/context.js';
import { sendToEventStream, statusSessionFor } from '../binding/status-run.js';
import type { Logger } from '../logger.js';
import { processRegistry } from '../process-registry.js';
import type { StatusUpdate } from '../protocol.js';
import { humanizeName } from '../status.js';
import { isStatusMessageTool } from '../tools/status-message-tool.js';
import type { LifecycleEvent, LifecycleEventSink } from './lifecycle-events.js';
import {
  DEFAULT_AGENT_TOOL_TEMPLATES,
  DEFAULT_TOOL_TEMPLATES,
  DEFAULT_TRANSFER_TEMPLATE,
  renderStatus,
} from './status-templates.js';
import type { LifecyclePhase, StatusTemplate, TemplateValues, ToolTemplates } from './status-templates.js';

export const TRANSFER_TOOL_NAME = 'transfer_to_agent';
const MAX_OPEN_CLAIMS = 10_000;

export interface ReporterOptions {
  tools: Record<string, ToolTemplates | false>;
  defaults: Required<ToolTemplates>;
  agentToolDefaults: Required<ToolTemplates>;
  transfer: StatusTemplate;
  throttleMs: number;
  maxStatusLength: number;
  publishEvent: LifecycleEventSink | undefined;
  /** The plugin this reporter speaks for: a run reports through it when it is on the run's runner. */
  owner?: object;
  /** Also emit each status into the ADK run's event stream. */
  eventStream: boolean;
  logger: () => Logger;
}

export type Producer = 'plugin' | 'wrapper';

interface Claim {
  producer: Producer;
  reporter: LifecycleReporter;
  startedAt: number;
  failed: boolean;
}

// Open function calls, shared by every reporter (and every copy of the package): a tool
// instance can be instrumented by one plugin and run under another, and each call must still
// be reported exactly once.
const claims = processRegistry('lifecycle-claims.v1', () => new Map<string, Claim>());

export class LifecycleReporter {
  readonly #options: ReporterOptions;
  /** Agents of the trees `instrument()` wrapped for this reporter. */
  readonly #covered = new WeakSet<BaseAgent>();
  #warnedDelivery = false;
  #warnedTemplate = false;

  get owner(): object | undefined {
    return this.#options.owner;
  }

  /** Marks `agent` as part of a tree instrumented for this reporter. */
  cover(agent: BaseAgent): void {
    this.#covered.add(agent);
  }

  /** Whether `agent` is part of a tree instrumented for this reporter. */
  covers(agent: unknown): boolean {
    return typeof agent === 'object' && agent !== null && this.#covered.has(agent as BaseAgent);
  }

  constructor(options: ReporterOptions) {
    this.#options = { ...DEFAULT_REPORTER_FALLBACKS, ...options };
  }

  toolStart(producer: Producer, tool: BaseTool, args: Record<string, unknown>, ctx: Context | undefined): void {
    this.#guard(() => {
      if (isStatusMessageTool(tool)) return;
      const key = callKey(tool, ctx);
      if (claims.has(key)) return; // the other producer has it
      claims.set(key, { producer, reporter: this, startedAt: Date.now(), failed: false });
      // An aborted run never ends its calls; keep the map bounded all the same.
      if (claims.size > MAX_OPEN_CLAIMS) claims.delete(claims.keys().next().value!);
      const agent = ctx?.agentName ?? '';
      if (tool.name === TRANSFER_TOOL_NAME) {
        const to = typeof args.agentName === 'string' ? args.agentName : '';
        this.#status(ctx, tool, this.#options.transfer, { tool: humanizeName(tool.name), agent, args, to, from: agent });
        this.#event('agent_transfer', { from: agent, to }, ctx);
        return;
      }
      this.#status(ctx, tool, this.#template(tool, 'start'), this.#values(tool, agent, args));
      this.#event('tool_call', { tool: tool.name, agent, args }, ctx);
    });
  }

  toolEnd(producer: Producer, tool: BaseTool, args: Record<string, unknown>, ctx: Context | undefined): void {
    this.#guard(() => {
      const key = callKey(tool, ctx);
      const claim = claims.get(key);
      if (!claim || claim.producer !== producer || claim.reporter !== this) return;
      claims.delete(key);
      if (claim.failed || tool.name === TRANSFER_TOOL_NAME) return;
      const agent = ctx?.agentName ?? '';
      this.#status(ctx, tool, this.#template(tool, 'done'), this.#values(tool, agent, args));
      this.#event('tool_result', { tool: tool.name, agent, duration_ms: Date.now() - claim.startedAt }, ctx);
    });
  }

  toolError(producer: Producer, tool: BaseTool, args: Record<string, unknown>, ctx: Context | undefined, error: unknown): void {
    this.#guard(() => {
      const claim = claims.get(callKey(tool, ctx));
      if (!claim || claim.producer !== producer || claim.reporter !== this || claim.failed) return;
      claim.failed = true; // the after-callback that follows an error reports nothing
      const agent = ctx?.agentName ?? '';
      const message = error instanceof Error ? error.message : String(error);
      this.#status(ctx, tool, this.#template(tool, 'error'), { ...this.#values(tool, agent, args), error: message }, 'error');
      this.#event('tool_error', { tool: tool.name, agent, error: message, duration_ms: Date.now() - claim.startedAt }, ctx);
    });
  }

  /** The wrapper calls this after `toolError` when it rethrows, to release its claim. */
  release(producer: Producer, tool: BaseTool, ctx: Context | undefined): void {
    const key = callKey(tool, ctx);
    const claim = claims.get(key);
    if (claim?.producer === producer && claim.reporter === this) claims.delete(key);
  }

  runStart(ids: LifecycleEvent['adk'], agent: string): void {
    this.#guard(() => this.#publish({ type: 'run_start', data: { agent }, ...this.#idsFor(ids) }));
  }

  runEnd(ids: LifecycleEvent['adk'], agent: string): void {
    this.#guard(() => this.#publish({ type: 'run_end', data: { agent }, ...this.#idsFor(ids) }));
  }

  #template(tool: BaseTool, phase: LifecyclePhase): StatusTemplate | undefined {
    const perTool = this.#options.tools[tool.name];
    if (perTool === false) return false;
    if (perTool && phase in perTool) return perTool[phase];
    return (isAgentTool(tool) ? this.#options.agentToolDefaults : this.#options.defaults)[phase];
  }

  #values(tool: BaseTool, agent: string, args: Record<string, unknown>): TemplateValues {
    return { tool: humanizeName(tool.name), agent, args };
  }

  #status(
    ctx: Context | undefined,
    tool: BaseTool,
    template: StatusTemplate | undefined,
    values: TemplateValues,
    level?: 'error',
  ): void {
    let text: string | undefined;
    try {
      text = renderStatus(template, values, this.#options.maxStatusLength);
    } catch (error) {
      // A user's template function threw: no status for this call, the run goes on.
      if (!this.#warnedTemplate) {
        this.#warnedTemplate = true;
        this.#options.logger().warn(`StatusPlugin: the status template for \`${tool.name}\` threw; that status is skipped.`, error);
      }
      return;
    }
    if (text === undefined) return;
    const update: StatusUpdate = { message: text, tool: tool.name, ...(values.agent ? { agent: values.agent } : {}), ...(level ? { level } : {}) };
    const { eventStream, throttleMs } = this.#options;
    try {
      const session = statusSessionFor(ctx);
      if (session) session.send(update, { toolContext: ctx, eventStream, throttleMs });
      else if (eventStream) sendToEventStream(ctx, update);
    } catch (error) {
      if (!this.#warnedDelivery) {
        this.#warnedDelivery = true;
        this.#options.logger().warn('StatusPlugin could not deliver a status; the run continues.', error);
      }
    }
  }

  #event(type: LifecycleEvent['type'], data: Record<string, unknown>, ctx: Context | undefined): void {
    if (!this.#options.publishEvent) return;
    const invocation = ctx?.invocationContext;
    this.#publish({
      type,
      data,
      ...this.#idsFor({
        appName: invocation?.appName,
        userId: ctx?.userId,
        sessionId: ctx?.sessionId,
        invocationId: ctx?.invocationId,
        agent: ctx?.agentName,
      }, ctx),
    });
  }

  #idsFor(ids: LifecycleEvent['adk'], ctx?: Context): Pick<LifecycleEvent, 'adk' | 'statusSessionId'> {
    const session = currentStatusSession() ?? (ctx ? routeForToolCall(ctx) : routeFor(ids as AdkIds));
    // Inside an AgentTool sub-run `appName` is the sub-agent's name; the run's own is on the binding.
    const adk = { ...ids, appName: session?.adk?.appName ?? ids.appName };
    return session ? { adk, statusSessionId: session.sessionId } : { adk };
  }

  #publish(event: LifecycleEvent): void {
    const sink = this.#options.publishEvent;
    if (!sink) return;
    try {
      const result = sink(event);
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        Promise.resolve(result).catch((error: unknown) =>
          this.#options.logger().warn(`StatusPlugin could not publish a ${event.type} event`, error),
        );
      }
    } catch (error) {
      this.#options.logger().warn(`StatusPlugin could not publish a ${event.type} event`, error);
    }
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#options.logger().error('StatusPlugin failed internally; the run continues.', error);
    }
  }
}

const DEFAULT_REPORTER_FALLBACKS: Partial<ReporterOptions> = {
  defaults: DEFAULT_TOOL_TEMPLATES,
  agentToolDefaults: DEFAULT_AGENT_TOOL_TEMPLATES,
  transfer: DEFAULT_TRANSFER_TEMPLATE,
  eventStream: true,
};

// Function call ids come from the model and repeat across runs (`call_0`…); the invocation id
// makes them unique in the process.
function callKey(tool: BaseTool, ctx: Context | undefined): string {
  return `${ctx?.invocationId ?? ''}\u0000${ctx?.functionCallId ?? tool.name}`;
}
