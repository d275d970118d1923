// The chat page: one connection per tab, adk-status-messenger's drop-in client, carries the live
// statuses and the conversation (the seed's frames, through `onMessage`); questions go out with
// a POST. Model output is markdown, rendered with marked and sanitised with DOMPurify before it
// touches the DOM.
(function () {
  'use strict';

  var STORAGE_KEY = 'adk-status-messenger-chat';
  var els = {
    messages: document.getElementById('messages'),
    form: document.getElementById('chat-form'),
    input: document.getElementById('chat-input'),
    send: document.getElementById('send'),
    newChat: document.getElementById('new-chat'),
    status: document.getElementById('agent-status'),
  };
  var session = null;
  var stopUpdates = null;
  var connected = false;
  var assistantBubble = null;
  var busy = false;

  // Links in answers open in a new tab without giving it a handle on this page.
  window.DOMPurify.addHook('afterSanitizeAttributes', function (node) {
    if (node.tagName === 'A') {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
  });

  function renderMarkdown(element, markdown) {
    var html = window.marked.parse(markdown, { async: false, gfm: true });
    element.innerHTML = window.DOMPurify.sanitize(html, { USE_PROFILES: { html: true } });
  }

  function addMessage(kind, text) {
    var item = document.createElement('li');
    item.className = 'message ' + kind;
    item.dataset.role = kind;
    if (kind === 'assistant') renderMarkdown(item, text);
    else item.textContent = text;
    els.messages.appendChild(item);
    els.messages.scrollTop = els.messages.scrollHeight;
    return item;
  }

  function setBusy(value) {
    busy = value;
    var usable = !value && connected;
    els.input.disabled = !usable;
    els.send.disabled = !usable;
    if (usable) els.input.focus();
  }

  // The app's own frames, on the same connection as the statuses.
  function onFrame(data) {
    var frame;
    try { frame = JSON.parse(data); } catch (e) { return; }
    if (!frame || typeof frame.type !== 'string') return;
    if (frame.type === 'user_message' && typeof frame.message === 'string') {
      // The question, from this tab or another tab of the session: every tab shows the same conversation.
      addMessage('user', frame.message);
      assistantBubble = null;
      setBusy(true);
    } else if (frame.type === 'agent_message' && typeof frame.message === 'string') {
      // Each frame carries the whole answer so far: replace, don't append.
      if (!assistantBubble) assistantBubble = addMessage('assistant', frame.message);
      else renderMarkdown(assistantBubble, frame.message);
      els.messages.scrollTop = els.messages.scrollHeight;
    } else if (frame.type === 'agent_turn_complete') {
      assistantBubble = null;
      setBusy(false);
    } else if (frame.type === 'error' && typeof frame.message === 'string') {
      addMessage('error', frame.message);
    }
  }

  // The status pill in the top bar, drawn from the same connection's statuses: the newest one,
  // its level as a class, and how the run stands.
  function showLatest(status) {
    var text = document.createElement('span');
    text.className = 'sm-text';
    text.textContent = status.data;
    els.status.replaceChildren(text);
    els.status.dataset.run = status.state || 'running';
    els.status.className = 'agent-status sm-status' + (status.level ? ' sm-level-' + status.level : '');
  }

  function onConnectionChange(state, detail) {
    var wasConnected = connected;
    connected = state === 'open';
    els.status.dataset.connection = state;
    // After a drop, the end of a turn may have been missed: let the user go on.
    if (connected && !wasConnected) { busy = false; assistantBubble = null; }
    setBusy(busy);
    // The hub refused the session's token (a restart with a new secret, an expired token): get a
    // session that works, instead of showing a dead page.
    if (state === 'failed' && detail.error && detail.error.status === 401) {
      obtainSession(false).then(switchTo, showFatal);
    }
  }

  function stop() {
    if (stopUpdates) stopUpdates();
    stopUpdates = null;
    connected = false;
  }

  async function obtainSession(fresh) {
    var saved = null;
    try { saved = fresh ? null : JSON.parse(localStorage.getItem(STORAGE_KEY) || 'null'); } catch (e) { saved = null; }
    var response = await fetch('/api/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(saved && saved.sessionId ? { sessionId: saved.sessionId, token: saved.token } : {}),
    });
    if (!response.ok) throw new Error('could not create a session: ' + response.status);
    var created = await response.json();
    localStorage.setItem(STORAGE_KEY, JSON.stringify(created));
    return created;
  }

  function switchTo(next) {
    stop();
    busy = false;
    assistantBubble = null;
    session = next;
    document.body.dataset.sessionId = session.sessionId;
    // One connection per tab: the activity panel (the run's steps with durations, collapsed to a
    // summary when it ends) is the drop-in's steps view; the pill and the chat read its callbacks.
    stopUpdates = window.startStatusUpdates('activity', session.wsUrl, {
      view: 'steps',
      onStatus: showLatest,
      onConnectionChange: onConnectionChange,
      onMessage: onFrame,
    });
  }

  async function start(fresh) {
    switchTo(await obtainSession(fresh));
  }

  async function sendMessage(text) {
    var asked = session;
    var response = await fetch('/api/sessions/' + encodeURIComponent(asked.sessionId) + '/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: text, token: asked.token }),
    });
    if (response.status === 401) {
      // The token expired while the page was open: say so, then move to a new session.
      var body = await response.json().catch(function () { return {}; });
      addMessage('error', body.error || 'This chat session has expired.');
      if (asked === session) switchTo(await obtainSession(true));
    } else if (!response.ok) {
      throw new Error('could not send the message: ' + response.status);
    }
  }

  els.form.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = els.input.value.trim();
    if (!text || busy || !connected) return;
    // Shown when the server echoes it as `user_message` (to every tab), not here.
    assistantBubble = null;
    els.input.value = '';
    setBusy(true);
    sendMessage(text).catch(function (error) {
      setBusy(false);
      showFatal(error);
    });
  });

  els.newChat.addEventListener('click', function () {
    els.messages.textContent = '';
    document.getElementById('activity').textContent = '';
    els.status.textContent = '';
    assistantBubble = null;
    busy = false;
    start(true).catch(showFatal);
  });

  function showFatal(error) {
    addMessage('error', 'Could not reach the server. Reload the page to try again.');
    console.error(error);
  }

  window.__chat = { stop: stop };
  start(false).catch(showFatal);
})();
