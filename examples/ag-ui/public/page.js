// The example's page: an AG-UI client in a few lines. `HttpAgent` (from @ag-ui/client, bundled by
// the example's server with esbuild) keeps the thread's messages; the page draws them. The run's
// statuses arrive as an activity message of type STATUS — one per run, replaced as each status
// comes, ending on the run's own end status — which is how CopilotKit's `renderActivityMessages`
// sees them too. Text is always set with textContent: nothing the agent says is parsed as HTML.
import { HttpAgent } from '@ag-ui/client';

const agent = new HttpAgent({ url: '/agui', threadId: crypto.randomUUID() });
const list = document.getElementById('messages');
const form = document.getElementById('composer');
const input = document.getElementById('question');
const send = document.getElementById('send');
const stop = document.getElementById('stop');
const errorBox = document.getElementById('error');

function item(className, text) {
  const li = document.createElement('li');
  li.className = className;
  li.textContent = text;
  return li;
}

/** The STATUS activity: its text, a progress bar when it has one, styled by level; `state` once the run ended. */
function statusLine(status) {
  const li = item('status', '');
  li.dataset.testid = 'status';
  li.dataset.level = status.level ?? 'info';
  if (status.state) li.dataset.state = status.state;
  const text = document.createElement('span');
  text.textContent = status.data;
  li.append(text);
  if (typeof status.progress === 'number' && !status.state) {
    const bar = document.createElement('progress');
    bar.max = 100;
    bar.value = status.progress;
    li.append(bar);
  }
  return li;
}

function render() {
  const answered = new Set(agent.messages.filter((m) => m.role === 'tool').map((m) => m.toolCallId));
  const items = [];
  for (const message of agent.messages) {
    if (message.role === 'user') items.push(item('user', typeof message.content === 'string' ? message.content : '[media]'));
    else if (message.role === 'activity' && message.activityType === 'STATUS') items.push(statusLine(message.content));
    else if (message.role === 'reasoning') items.push(item('reasoning', message.content));
    else if (message.role === 'assistant') {
      for (const call of message.toolCalls ?? []) {
        const li = item('tool', `Tool: ${call.function.name}`);
        li.dataset.done = String(answered.has(call.id));
        items.push(li);
      }
      if (message.content) items.push(item('assistant', message.content));
    }
  }
  list.replaceChildren(...items);
  list.lastElementChild?.scrollIntoView({ block: 'end' });
}

function setRunning(running) {
  input.disabled = running;
  send.disabled = running;
  stop.disabled = !running;
  document.body.dataset.running = String(running);
}

agent.subscribe({ onMessagesChanged: render });

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const question = input.value.trim();
  if (!question || agent.isRunning) return;
  input.value = '';
  errorBox.textContent = '';
  agent.addMessage({ id: crypto.randomUUID(), role: 'user', content: question });
  render();
  setRunning(true);
  try {
    await agent.runAgent({}, { onRunErrorEvent: ({ event }) => void (errorBox.textContent = event.message) });
  } catch {
    errorBox.textContent = 'The agent could not be reached.';
  } finally {
    setRunning(false);
    render();
    input.focus();
  }
});

stop.addEventListener('click', () => agent.abortRun());

setRunning(false);
input.focus();
document.body.dataset.ready = 'true';
