/**
 * The example's page: `useChat` from @ai-sdk/react against /api/chat. The agents' statuses come
 * through `onData` (transient `data-status` parts: never saved in the messages) and are shown
 * above the answer while it streams; the tool calls are the assistant message's tool parts,
 * listed as steps. Stop aborts the request, which stops the ADK run on the server.
 */
import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport, generateId } from 'ai';
import type { UIMessage } from 'ai';
import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import type { AdkDataTypes, StatusData } from 'adk-status-messenger/ai-sdk';

type ChatMessage = UIMessage<unknown, AdkDataTypes>;

function Chat({ chatId, onNewChat }: { chatId: string; onNewChat: () => void }) {
  const [statuses, setStatuses] = useState<StatusData[]>([]);
  const [input, setInput] = useState('');
  const { messages, sendMessage, status, stop, error } = useChat<ChatMessage>({
    id: chatId, // the ADK session id
    transport: new DefaultChatTransport({ api: '/api/chat' }),
    onData: (part) => {
      if (part.type === 'data-status') setStatuses((list) => [...list, part.data]);
    },
  });
  const busy = status === 'submitted' || status === 'streaming';
  const latest = statuses.at(-1);

  function submit(event: FormEvent) {
    event.preventDefault();
    const text = input.trim();
    if (!text || busy) return;
    setStatuses([]);
    setInput('');
    void sendMessage({ text });
  }

  return (
    <>
      <header className="topbar">
        <h1>Research assistant <small>ADK × AI SDK</small></h1>
        <button type="button" className="secondary" onClick={onNewChat}>New chat</button>
      </header>
      <main className="chat">
        <ol className="messages" aria-live="polite">
          {messages.map((message, index) => {
            const last = index === messages.length - 1 && message.role === 'assistant';
            return (
              <li key={message.id} className={`message ${message.role}`}>
                {last && busy && latest && <StatusLine status={latest} />}
                {message.parts.map((part, i) => {
                  if (part.type === 'text') return message.role === 'user' ? <p key={i}>{part.text}</p> : <Markdown key={i} text={part.text} />;
                  if (part.type === 'reasoning') return <details key={i} className="reasoning"><summary>Thinking</summary>{part.text}</details>;
                  if (part.type.startsWith('tool-')) {
                    const tool = part as { type: string; state: string };
                    const done = tool.state === 'output-available';
                    const failed = tool.state === 'output-error';
                    return (
                      <p key={i} className={`step ${done ? 'done' : failed ? 'failed' : 'running'}`}>
                        {done ? '✓' : failed ? '✗' : '…'} {tool.type.slice('tool-'.length).replaceAll('_', ' ')}
                      </p>
                    );
                  }
                  return null;
                })}
              </li>
            );
          })}
          {status === 'submitted' && (
            <li className="message assistant">{latest ? <StatusLine status={latest} /> : <p className="status">Thinking…</p>}</li>
          )}
        </ol>
        {error && <p className="message error" role="alert">{error.message}</p>}
        <form className="composer" onSubmit={submit}>
          <label htmlFor="chat-input" className="visually-hidden">Your question</label>
          <input id="chat-input" value={input} onChange={(event) => setInput(event.target.value)} placeholder="Ask about ADK, WebSockets, Pub/Sub, travel laptops…" />
          {busy ? <button type="button" onClick={() => void stop()}>Stop</button> : <button type="submit">Send</button>}
        </form>
      </main>
    </>
  );
}

// Links in answers open in a new tab without a handle on this page.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/** Model output is markdown: rendered with marked, sanitised with DOMPurify before it reaches the DOM. */
function Markdown({ text }: { text: string }) {
  const html = useMemo(() => DOMPurify.sanitize(marked.parse(text, { async: false, gfm: true }), { USE_PROFILES: { html: true } }), [text]);
  return <div className="text" dangerouslySetInnerHTML={{ __html: html }} />;
}

/** The latest status of the run, above the answer while it streams. */
function StatusLine({ status }: { status: StatusData }) {
  return (
    <p className={`status level-${status.level ?? 'info'}`} role="status">
      {status.agent && <span className="agent">{status.agent.replaceAll('_', ' ')}: </span>}
      {status.data}
      {status.progress !== undefined && <progress max={100} value={status.progress} />}
    </p>
  );
}

function App() {
  const [chatId, setChatId] = useState(generateId);
  // A new chat is a new id: a new ADK session on its first message.
  return <Chat key={chatId} chatId={chatId} onNewChat={() => setChatId(generateId())} />;
}

createRoot(document.getElementById('root')!).render(<App />);
