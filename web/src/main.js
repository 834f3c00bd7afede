// Freight Desk web chat: socket.io to the Rasa server's webchat channel.
// The server owns the conversation: it makes the session id (kept here in localStorage)
// and sends the conversation so far whenever the page (re)joins, so a reload or a dropped
// connection loses nothing.
import { io } from "socket.io-client";

const SESSION_KEY = "freightdesk.webchat.session";
const GREETING = "/greet";
const TYPING_TIMEOUT_MS = 20000;
const LINK_RE = /\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g;

const log = document.getElementById("log");
const form = document.getElementById("form");
const input = document.getElementById("input");
const sendButton = document.getElementById("send");
const statusLine = document.getElementById("status");

let sessionId = null;
let typingTimer = null;

function storedSession() {
  try {
    return localStorage.getItem(SESSION_KEY);
  } catch {
    return null; // storage blocked: the chat works, a reload starts afresh
  }
}

function storeSession(id) {
  try {
    localStorage.setItem(SESSION_KEY, id);
  } catch {
    /* see storedSession */
  }
}

function setStatus(text) {
  statusLine.textContent = text || "";
  statusLine.hidden = !text;
}

function setReady(ready) {
  sendButton.disabled = !ready;
}

// Text with [label](https://...) and bare https:// links made clickable; everything else
// is added as text nodes, never as HTML.
function renderText(container, text) {
  let last = 0;
  for (const match of text.matchAll(LINK_RE)) {
    container.append(text.slice(last, match.index));
    const link = document.createElement("a");
    link.href = match[2] || match[3];
    link.textContent = match[1] || match[3];
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    container.append(link);
    last = match.index + match[0].length;
  }
  container.append(text.slice(last));
}

function scrollDown() {
  log.scrollTop = log.scrollHeight;
}

function clearReplies() {
  for (const node of log.querySelectorAll(".replies")) node.remove();
}

function addBubble(sender, message) {
  const item = document.createElement("li");
  item.className = `msg msg-${sender}`;
  const attachment = message.attachment;
  if (attachment && attachment.type === "image" && attachment.payload?.src) {
    const image = document.createElement("img");
    image.src = attachment.payload.src;
    image.alt = "Image from Freight Desk";
    item.append(image);
  } else if (message.text) {
    renderText(item, message.text);
  } else {
    return;
  }
  log.append(item);
}

function addReplies(quickReplies) {
  const item = document.createElement("li");
  item.className = "replies";
  for (const reply of quickReplies) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = reply.title;
    button.addEventListener("click", () => send(reply.payload, reply.title));
    item.append(button);
  }
  log.append(item);
}

function showBotMessage(message) {
  addBubble("bot", message);
  // Buttons belong to the newest bot message; older ones would answer a past question.
  if (message.quick_replies?.length) {
    clearReplies();
    addReplies(message.quick_replies);
  }
}

function showTyping(on) {
  clearTimeout(typingTimer);
  log.querySelector(".typing")?.remove();
  if (on) {
    const item = document.createElement("li");
    item.className = "msg msg-bot typing";
    item.setAttribute("aria-label", "Freight Desk is typing");
    item.textContent = "•••";
    log.append(item);
    typingTimer = setTimeout(() => showTyping(false), TYPING_TIMEOUT_MS);
  }
  scrollDown();
}

function showHistory(messages) {
  log.replaceChildren();
  messages.forEach((message, index) => {
    if (message.sender === "user") {
      addBubble("user", message);
    } else {
      addBubble("bot", message);
      const newest = messages.slice(index + 1).every((m) => m.sender === "bot");
      if (newest && message.quick_replies?.length) addReplies(message.quick_replies);
    }
  });
  scrollDown();
}

const socket = io({ path: "/webchat/socket.io/", transports: ["websocket", "polling"] });

function send(payload, shownAs) {
  if (!sessionId || !payload) return;
  clearReplies();
  if (shownAs !== null) addBubble("user", { text: shownAs ?? payload });
  const metadata = shownAs === null ? { hidden: true } : shownAs ? { display: shownAs } : {};
  socket.emit("user_uttered", { message: payload, session_id: sessionId, metadata });
  showTyping(true);
}

socket.on("connect", () => {
  setStatus("");
  socket.emit("session_request", { session_id: sessionId || storedSession() });
});

socket.on("session_confirm", (id) => {
  sessionId = id;
  storeSession(id);
  setReady(true);
});

socket.on("history", (messages) => {
  showHistory(messages);
  // A new conversation opens with the greeting and its choices, as a person would.
  if (messages.length === 0) send(GREETING, null);
});

socket.on("bot_uttered", (message) => {
  showTyping(false);
  showBotMessage(message);
  scrollDown();
});

socket.on("disconnect", () => {
  setReady(false);
  setStatus("Connection lost. Reconnecting… your conversation will be here when we're back.");
});

socket.io.on("reconnect_attempt", () => setStatus("Reconnecting…"));

setReady(false);
setStatus("Connecting…");

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send(text);
  input.focus();
});
