/**
 * The texts the plugin shows for tool lifecycle: per-tool templates with `{placeholders}` for
 * the tool's arguments, readable defaults, and a cap so a template can never produce a status
 * the hub would refuse.
 */
import { humanizeName } from '../status.js';

export type LifecyclePhase = 'start' | 'done' | 'error';

export interface TemplateValues {
  /** The tool's name, humanised (`google_search` → `google search`). */
  tool: string;
  /** The agent running the tool. */
  agent: string;
  /** The tool's arguments, as the model sent them. */
  args: Record<string, unknown>;
  /** The error message (phase `error` only). */
  error?: string;
  /** Extra values a phase provides (the transfer template gets `from` and `to`). */
  [extra: string]: unknown;
}

/** A template string such as `'Searching for {query}…'`, a function, or `false` for silence. */
export type StatusTemplate = string | false | ((values: TemplateValues) => string | undefined);

export interface ToolTemplates {
  start?: StatusTemplate;
  done?: StatusTemplate;
  error?: StatusTemplate;
}

export const DEFAULT_TOOL_TEMPLATES: Required<ToolTemplates> = {
  start: 'Running {tool}…',
  done: 'Finished {tool}',
  error: '{tool} failed',
};

/** Tools backed by another agent (AgentTool) read better as questions to that agent. */
export const DEFAULT_AGENT_TOOL_TEMPLATES: Required<ToolTemplates> = {
  start: 'Asking {tool}…',
  done: '{tool} answered',
  error: '{tool} could not answer',
};

export const DEFAULT_TRANSFER_TEMPLATE = 'Handing over to {to}…';

const MAX_VALUE_LENGTH = 80;


function show(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value === undefined || value === null) text = '';
  else {
    try {
      text = JSON.stringify(value) ?? '';
    } catch {
      text = String(value);
    }
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH - 1)}…` : text;
}

/** Fills `{name}` placeholders from the values and arguments; unknown names render empty. */
export function fillTemplate(template: string, values: TemplateValues): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    if (name === 'tool' || name === 'agent' || name === 'error') return show(values[name]);
    if (Object.prototype.hasOwnProperty.call(values.args, name)) return show(values.args[name]);
    return show(values[name]);
  });
}

/** Renders a template to status text, or `undefined` when silenced or empty. */
export function renderStatus(
  template: StatusTemplate | undefined,
  values: TemplateValues,
  maxLength: number,
): string | undefined {
  if (template === undefined || template === false) return undefined;
  const text = (typeof template === 'function' ? template(values) : fillTemplate(template, values))?.trim();
  if (!text) return undefined;
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
