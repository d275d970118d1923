/**
 * The `status_message` tool: the model calls it with a one-line message, and every open tab
 * of the bound session shows it. It never throws into the run; it tells the model what
 * happened instead.
 */
import { FunctionTool, isLlmAgent } from '@google/adk';
import type { BaseAgent, Context } from '@google/adk';
import { z } from 'zod';
import { sendToEventStream, statusSessionFor } from '../binding/status-run.js';
import { StatusMessengerError } from '../errors.js';
import { getDefaultLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { defineOptions, opt, parseOptions } from '../options.js';
import { DEFAULT_MAX_STATUS_LENGTH, STATUS_LEVELS } from '../protocol.js';
import type { StatusUpdate } from '../protocol.js';
import { cutStatus } from '../status.js';

export const DEFAULT_STATUS_TOOL_NAME = 'status_message';

export const DEFAULT_STATUS_TOOL_DESCRIPTION =
  'Show the user a short, one-line message about what you are doing right now, for example ' +
  '"Searching the web for recent reviews…". Call it before each step that takes a while. ' +
  'It does not answer the user: keep working on the task after calling it.';

export interface StatusMessageToolOptions {
  /** @default 'status_message' */
  name?: string;
  /** What the model reads about the tool. @default DEFAULT_STATUS_TOOL_DESCRIPTION */
  description?: string;
  /** Longer messages are cut to this many characters (ending in `…`), and the result says so. @default 500 */
  maxLength?: number;
  /** Optional extra parameters the model may fill. @default {} */
  fields?: {
    /** Adds `level`: one of info, success, warning, error. @default false */
    level?: boolean;
    /** Adds `progress`: a number from 0 to 100. @default false */
    progress?: boolean;
  };
  /** `false` keeps statuses out of the ADK run's own event stream (`adk web`, `/run_sse`). @default true */
  eventStream?: boolean;
  /** Where the "called outside a status session" warning goes. @default the default logger */
  logger?: Logger;
}

const TOOL_OPTIONS = defineOptions('createStatusMessageTool(options)', {
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'a function name matching /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/').optional(),
  description: z.string().trim().min(1).optional(),
  maxLength: opt.positiveInt().optional(),
  fields: z.strictObject({ level: z.boolean().optional(), progress: z.boolean().optional() }).optional(),
  eventStream: z.boolean().optional(),
  logger: z.custom<Logger>((v) => typeof (v as Logger | undefined)?.warn === 'function', { message: 'a Logger' }).optional(),
});

/**
 * What the model gets back. `viewers`: connections, UI streams and A2A callers that got it now.
 * `truncated` and `note` say when the message was cut.
 */
export type StatusToolResult =
  | { status: 'delivered'; viewers: number; eventStream: boolean; truncated?: true; note?: string }
  | { status: 'delivered'; via: 'event_stream'; truncated?: true; note?: string }
  | { status: 'no_viewer'; viewers: 0; eventStream: boolean; note: string; truncated?: true }
  | { status: 'unavailable'; note: string }
  | { status: 'error'; error: string };

function buildParameters(maxLength: number, fields: NonNullable<StatusMessageToolOptions['fields']>) {
  const shape: Record<string, z.ZodType> = {
    message: z
      .string()
      .trim()
      .min(1, 'message must not be empty')
      .describe(`One short line (at most ${maxLength} characters) telling the user what you are doing, e.g. "Reading 3 sources…"`),
  };
  if (fields.level) {
    shape.level = z.enum(STATUS_LEVELS).optional().describe('How to style the message; default info');
  }
  if (fields.progress) {
    shape.progress = z.number().min(0).max(100).optional().describe('Completion in percent, 0–100, when known');
  }
  return z.object(shape);
}

export function createStatusMessageTool(options: StatusMessageToolOptions = {}): FunctionTool<z.ZodObject<z.ZodRawShape>> {
  const {
    name = DEFAULT_STATUS_TOOL_NAME,
    description = DEFAULT_STATUS_TOOL_DESCRIPTION,
    maxLength = DEFAULT_MAX_STATUS_LENGTH,
    fields = {},
    eventStream = true,
    logger,
  } = parseOptions(TOOL_OPTIONS, options);

  let warned = false;
  const execute = (input: Record<string, unknown>, ctx?: Context): StatusToolResult => {
    const { update, truncated } = cutStatus({ message: input.message as string }, maxLength);
    if (input.level !== undefined) update.level = input.level as StatusUpdate['level'];
    if (input.progress !== undefined) update.progress = input.progress as number;
    if (ctx?.agentName) update.agent = ctx.agentName;
    const cutNote = `The message was cut to ${maxLength} characters; keep statuses to one short line.`;
    try {
      const session = statusSessionFor(ctx);
      const delivery = session
        ? session.send(update, { toolContext: ctx, eventStream })
        : eventStream
          ? sendToEventStream(ctx, update)
          : undefined;
      const wasCut = truncated || delivery?.truncated === true;
      const extra = wasCut ? { truncated: true as const, note: cutNote } : {};
      if (delivery && delivery.viewers > 0) {
        return { status: 'delivered', viewers: delivery.viewers, eventStream: delivery.eventStream, ...extra };
      }
      if (delivery?.eventStream && !delivery.viewable) return { status: 'delivered', via: 'event_stream', ...extra };
      if (session && delivery) {
        return {
          status: 'no_viewer',
          viewers: 0,
          eventStream: delivery.eventStream,
          note:
            (wasCut ? `${cutNote} ` : '') +
            'No browser is connected right now; it will see this status when it connects. Continue with the task.',
          ...(wasCut ? { truncated: true as const } : {}),
        };
      }
    } catch (error) {
      const message = StatusMessengerError.isInstance(error) ? error.message : 'the status could not be delivered';
      return { status: 'error', error: message };
    }
    if (!warned) {
      warned = true;
      (logger ?? getDefaultLogger()).warn(
        `The \`${name}\` tool ran outside a status session, so the user did not see the status. ` +
          'Iterate the runner through runWithStatus(runner, { hub, userId, sessionId, newMessage }), ' +
          'register StatusPlugin on the runner, or run it where ADK has an event stream.',
      );
    }
    return {
      status: 'unavailable',
      note: 'Status updates are not available in this conversation. Continue with the task without them.',
    };
  };

  const tool = new FunctionTool({ name, description, parameters: buildParameters(maxLength, fields), execute });
  Object.defineProperty(tool, STATUS_TOOL_MARK, { value: true });
  return tool;
}

const STATUS_TOOL_MARK = Symbol.for('adk-status-messenger.status-tool');

/** True for tools made by `createStatusMessageTool` (whatever their name): never echoed by the plugin. */
export function isStatusMessageTool(tool: unknown): boolean {
  return typeof tool === 'object' && tool !== null && (tool as Record<symbol, unknown>)[STATUS_TOOL_MARK] === true;
}

/** The ready-made `status_message` tool: register it on any `LlmAgent`. */
export const statusMessageTool = createStatusMessageTool();

/**
 * The names of the status tools anywhere in the agent tree of `root` (sub-agents and agents
 * behind AgentTools), plus the default name: their calls are statuses, not steps to show.
 */
export function statusToolNamesIn(root: BaseAgent | undefined): string[] {
  const names = new Set([DEFAULT_STATUS_TOOL_NAME]);
  const seen = new Set<BaseAgent>();
  const visit = (agent: BaseAgent): void => {
    if (seen.has(agent)) return;
    seen.add(agent);
    if (isLlmAgent(agent)) {
      for (const tool of agent.tools) {
        if (isStatusMessageTool(tool)) names.add((tool as { name: string }).name);
        const inner = (tool as { agent?: unknown }).agent;
        if (typeof inner === 'object' && inner !== null && 'subAgents' in inner) visit(inner as BaseAgent);
      }
    }
    for (const sub of agent.subAgents ?? []) visit(sub);
  };
  if (root) visit(root);
  return [...names];
}
