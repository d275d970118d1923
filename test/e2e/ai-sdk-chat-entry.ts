/// <reference lib="dom" />
/**
 * The browser entry the `useChat` e2e test bundles with esbuild: `@ai-sdk/react`'s `useChat`
 * with its default transport, statuses taken from `onData`, tool parts listed as steps, a Stop
 * button. Everything the page sees goes to `window.chatLog` in order, for the test to read.
 */
import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport } from 'ai';
import { createElement as h, StrictMode, useEffect, useRef, useState } from 'react';
import type { ReactElement } from 'react';
import { createRoot } from 'react-dom/client';
import type { AdkUIMessage, StatusData } from '../../src/ai-sdk/index.js';

interface ChatPage {
  /** In order: `status <text>`, `text <first answer text seen>`, `error <message>`. */
  chatLog: string[];
  chat: { send(text: string): void; stop(): void; status: string; messages: unknown[]; error: string | undefined };
}
const page = window as unknown as ChatPage & Record<string, unknown>;
page.chatLog = [];

function Chat({ chatId }: { chatId: string }): ReactElement {
  const [statuses, setStatuses] = useState<StatusData[]>([]);
  const { messages, sendMessage, status, stop, error } = useChat<AdkUIMessage>({
    id: chatId,
    transport: new DefaultChatTransport({ api: '/api/chat' }),
    onData: (part) => {
      // The copy of `ai` that @ai-sdk/react resolves may differ from ours: read the part as ours.
      const data = (part as { type: string; data: StatusData }).data;
      page.chatLog.push(`status ${data.data}`);
      setStatuses((list) => [...list, data]);
    },
  });
  const answered = useRef(new Set<string>());
  useEffect(() => {
    for (const message of messages) {
      if (message.role !== 'assistant' || answered.current.has(message.id)) continue;
      const text = message.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
      if (text === '') continue;
      answered.current.add(message.id);
      page.chatLog.push(`text ${text}`);
    }
    page.chat = {
      send: (text) => {
        setStatuses([]);
        void sendMessage({ text });
      },
      stop: () => void stop(),
      status,
      messages,
      error: error?.message,
    };
  }, [messages, status, error, sendMessage, stop]);
  useEffect(() => {
    if (error) page.chatLog.push(`error ${error.message}`);
  }, [error]);

  const latest = statuses.at(-1);
  return h(
    'main',
    { 'data-status': status },
    h('p', { id: 'latest-status', role: 'status' }, latest?.data ?? ''),
    h(
      'ol',
      { id: 'messages' },
      messages.map((message) =>
        h(
          'li',
          { key: message.id, 'data-role': message.role },
          message.parts.map((part, i) => {
            if (part.type === 'text') return h('p', { key: i, className: 'text' }, part.text);
            if (part.type.startsWith('tool-')) {
              const tool = part as { type: string; state: string };
              return h('p', { key: i, className: 'tool', 'data-state': tool.state }, tool.type.slice('tool-'.length));
            }
            return null;
          }),
        ),
      ),
    ),
    status === 'streaming' || status === 'submitted' ? h('button', { id: 'stop', onClick: () => void stop() }, 'Stop') : null,
    error ? h('p', { id: 'error' }, error.message) : null,
  );
}

page.mountChat = (chatId: string) => {
  createRoot(document.getElementById('root')!).render(h(StrictMode, null, h(Chat, { chatId })));
};
page.chatReady = true;
