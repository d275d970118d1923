/**
 * One chat turn: the user's text in (echoed to every tab as `user_message`), the agent's answer
 * out as the seed's frames. Statuses
 * reach every tab through `runWithStatus`; the answer streams as `agent_message` frames that
 * each carry the whole text so far (so the page can replace, not append), then
 * `agent_turn_complete`. A failure sends a generic `error` frame, never server internals.
 */
import { StreamingMode } from '@google/adk';
import type { Event, Runner } from '@google/adk';
import { runWithStatus } from 'adk-status-messenger';
import type { Logger, StatusHub } from 'adk-status-messenger';

export const MAX_CHAT_MESSAGE_LENGTH = 4000;
const MAX_QUEUED_TURNS = 3;
const GENERIC_FAILURE = 'Sorry, something went wrong while answering. Please try again.';

export interface ChatTurnsOptions {
  runner: Runner;
  hub: StatusHub;
  /** The agent whose text is the answer (sub-agents' texts stay internal). */
  rootAgentName: string;
  logger: Logger;
}

function answerText(event: Event): string | undefined {
  const parts = event.content?.parts ?? [];
  if (parts.some((part) => part.functionCall || part.functionResponse)) return undefined;
  const text = parts
    .filter((part) => !part.thought && typeof part.text === 'string')
    .map((part) => part.text)
    .join('');
  return text === '' ? undefined : text;
}

export function createChatTurns({ runner, hub, rootAgentName, logger }: ChatTurnsOptions) {
  const queued = new Map<string, number>();

  async function runTurn(sessionId: string, text: string): Promise<void> {
    await runner.sessionService.getOrCreateSession({ appName: runner.appName, userId: sessionId, sessionId });
    let streamed = '';
    let answered = false;
    const events = runWithStatus(runner, {
      hub,
      userId: sessionId,
      sessionId,
      newMessage: { role: 'user', parts: [{ text }] },
      runConfig: { streamingMode: StreamingMode.SSE },
    });
    for await (const event of events) {
      if (event.errorCode) throw new Error(`model error ${event.errorCode}: ${event.errorMessage ?? ''}`);
      if (event.author !== rootAgentName) continue;
      const chunk = answerText(event);
      if (chunk === undefined) continue; // tool calls, and SSE's content-less usage event
      // Partial chunks accumulate; the final event carries the whole text and replaces them.
      streamed = event.partial ? streamed + chunk : chunk;
      answered = true;
      hub.sendFrame(sessionId, { type: 'agent_message', message: streamed }, { coalesceKey: 'agent_message' });
    }
    if (!answered) hub.sendFrame(sessionId, { type: 'agent_message', message: '_(no answer)_' });
  }

  /** Handles a chat message from any socket of `sessionId`. Never rejects. */
  return async function onChatMessage(sessionId: string, raw: string): Promise<void> {
    const text = raw.trim();
    if (text === '' || text.length > MAX_CHAT_MESSAGE_LENGTH) {
      hub.sendFrame(sessionId, { type: 'error', message: `Messages must be 1–${MAX_CHAT_MESSAGE_LENGTH} characters.` });
      return;
    }
    const waiting = queued.get(sessionId) ?? 0;
    if (waiting >= MAX_QUEUED_TURNS) {
      hub.sendFrame(sessionId, { type: 'error', message: 'Please wait for the current answer.' });
      return;
    }
    queued.set(sessionId, waiting + 1);
    // Every tab of the session shows the question, not only the one that asked it.
    hub.sendFrame(sessionId, { type: 'user_message', message: text });
    try {
      await runTurn(sessionId, text);
    } catch (error) {
      logger.error(`chat turn failed for session ${sessionId}`, error);
      hub.sendFrame(sessionId, { type: 'error', message: GENERIC_FAILURE });
    } finally {
      const left = (queued.get(sessionId) ?? 1) - 1;
      if (left <= 0) queued.delete(sessionId);
      else queued.set(sessionId, left);
      hub.sendFrame(sessionId, { type: 'agent_turn_complete', turn_complete: true });
    }
  };
}
