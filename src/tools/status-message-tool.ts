/**
 * The `status_message` tool: the model calls it with a one-line message, and every open tab
 * of the bound session shows it. It never throws into the run; it tells the model what
 * happened instead.
 */
import { FunctionTool } from '@google/adk';
import type { Context } from '@google/adk';
import { z } from 'zod';
import { resolveStatusSession } from '../context/resolve-status-session.js';
import { invalidOption, StatusMessengerError } from '../errors.js';
import { getDefaultLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { DEFAULT_MAX_STATUS_LENGTH, STATUS_LEVELS } from '../protocol.js';
import type { StatusUpdate } from '../protocol.js';

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
  /** Longest accepted message; longer ones go back to the model as a validation error. @default 500 */
  maxLength?: number;
  /** Optional extra parameters the model may fill. @default {} */
  fields?: {
    /** Adds `level`: one of info, success, warning, error. */
    level?: boolean;
    /** Adds `progress`: a number from 0 to 100. */
    progress?: boolean;
  };
  /** Where the "called outside a status session" warning goes. @default the default logger */
  logger?: Logger;
}

/** What the model gets back. */
export type StatusToolResult =
  | { status: 'delivered'; sockets: number }
  | { status: 'no_viewer'; sockets: 0; note: string }
  | { status: 'unavailable'; note: string }
  | { status: 'error'; error: string };

const TOOL_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

function buildParameters(maxLength: number, fields: NonNullable<StatusMessageToolOptions['fields']>) {
  const shape: Record<string, z.ZodType> = {
    message: z
      .string()
      .trim()
      .min(1, 'message must not be empty')
      .max(maxLength, `message must be at most ${maxLength} characters; send a shorter, one-line status`)
      .describe('One short line telling the user what you are doing, e.g. "Reading 3 sources…"'),
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
    logger,
  } = options;
  if (typeof name !== 'string' || !TOOL_NAME_PATTERN.test(name)) {
    invalidOption('name', 'a function name matching /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/', name);
  }
  if (typeof description !== 'string' || description.trim() === '') {
    invalidOption('description', 'a non-empty string', description);
  }
  if (!Number.isSafeInteger(maxLength) || maxLength < 1) invalidOption('maxLength', 'a positive integer', maxLength);

  let warned = false;
  const execute = (input: Record<string, unknown>, ctx?: Context): StatusToolResult => {
    const session = resolveStatusSession(ctx);
    if (!session) {
      if (!warned) {
        warned = true;
        (logger ?? getDefaultLogger()).warn(
          `The \`${name}\` tool ran outside a status session, so the user did not see the status. ` +
            'Iterate the runner through runWithStatus(runner, { hub, userId, sessionId, newMessage }) ' +
            'or wrap the run in withStatusSession({ hub, sessionId }, fn).',
        );
      }
      return {
        status: 'unavailable',
        note: 'Status updates are not available in this conversation. Continue with the task without them.',
      };
    }
    const update: StatusUpdate = { message: input.message as string };
    if (input.level !== undefined) update.level = input.level as StatusUpdate['level'];
    if (input.progress !== undefined) update.progress = input.progress as number;
    if (ctx?.agentName) update.agent = ctx.agentName;
    try {
      const { sockets } = session.send(update);
      if (sockets > 0) return { status: 'delivered', sockets };
      return {
        status: 'no_viewer',
        sockets: 0,
        note: 'No browser is connected right now; it will see this status when it connects. Continue with the task.',
      };
    } catch (error) {
      const message = StatusMessengerError.isInstance(error) ? error.message : 'the status could not be delivered';
      return { status: 'error', error: message };
    }
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
