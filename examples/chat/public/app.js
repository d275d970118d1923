// The chat page: one socket for the conversation (the seed's frames), and adk-status-messenger's
// drop-in client for the live status. Model output is markdown, rendered with marked and
// sanitised with DOMPurify before it touches the DOM.
(function () {
  'use strict';

  var STORAGE_KEY = 'adk-status-messenger-chat';
  var els = {
    messages: document.getElementById('messages'),
    form: document.getElementById('chat-form'),
    input: document.getElementById('chat-input'),
    send: document.getElementById('send'),
    newChat: document.getElementById('new-chat'),
  };
  var session = null;
  var chatSocket = null;
  var stopStatus = null;
  var stopActivity = null;
  var assistantBubble = null;
  var busy = false;
  var retries = 0;
  var stopped = false;

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
    var usable = !value && chatSocket && chatSocket.readyState === WebSocket.OPEN;
    els.input.disabled = !usable;
    els.send.disabled = !usable;
    if (usable) els.input.focus();
  }

  function onFrame(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
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

  function absolute(url) {
    var u = new URL(url, window.location.href);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return u.toString();
  }

  function connectChat() {
    if (stopped) return;
    var socket = new WebSocket(absolute(session.wsUrl));
    chatSocket = socket;
    socket.onopen = function () {
      // After a drop, the end of a turn may have been missed: let the user go on.
      if (retries > 0) { busy = false; assistantBubble = null; }
      retries = 0;
      setBusy(busy);
    };
    socket.onmessage = onFrame;
    socket.onclose = function () {
      if (socket !== chatSocket || stopped) return;
      setBusy(busy);
      retries += 1;
      var delay = Math.random() * Math.min(10000, 500 * Math.pow(2, retries));
      // The browser cannot see why a socket was refused. Every third failure, ask the server
      // whether the session is still valid (a restart with a new secret invalidates it).
      if (retries % 3 === 0) {
        obtainSession(false).then(function (checked) {
          if (stopped || socket !== chatSocket) return;
          if (checked.sessionId !== session.sessionId) return void switchTo(checked);
          setTimeout(connectChat, delay);
        }, function () {
          if (!stopped && socket === chatSocket) setTimeout(connectChat, delay); // server still down
        });
        return;
      }
      setTimeout(connectChat, delay);
    };
  }

  function stop() {
    stopped = true;
    if (stopStatus) stopStatus();
    if (stopActivity) stopActivity();
    if (chatSocket) chatSocket.close();
    chatSocket = null;
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
    stopped = false;
    retries = 0;
    busy = false;
    assistantBubble = null;
    session = next;
    document.body.dataset.sessionId = session.sessionId;
    stopStatus = window.startStatusUpdates('agent-status', session.wsUrl);
    // The activity panel: the run's steps with durations, collapsed to a summary when it ends.
    stopActivity = window.startStatusUpdates('activity', session.wsUrl, { view: 'steps' });
    connectChat();
  }

  async function start(fresh) {
    switchTo(await obtainSession(fresh));
  }

  els.form.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = els.input.value.trim();
    if (!text || busy || !chatSocket || chatSocket.readyState !== WebSocket.OPEN) return;
    // Shown when the server echoes it as `user_message` (to every tab), not here.
    assistantBubble = null;
    chatSocket.send(text);
    els.input.value = '';
    setBusy(true);
  });

  els.newChat.addEventListener('click', function () {
    els.messages.textContent = '';
    document.getElementById('activity').textContent = '';
    assistantBubble = null;
    busy = false;
    start(true).catch(showFatal);
  });

  function showFatal(error) {
    addMessage('error', 'Could not connect to the server. Reload the page to try again.');
    console.error(error);
  }

  window.__chat = { stop: stop };
  start(false).catch(showFatal);
})();
