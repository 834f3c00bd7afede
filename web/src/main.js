// Freight Desk web chat: socket.io to the Rasa server's webchat channel.
// The server owns the conversation: it makes the session id (kept here in localStorage)
// and sends the conversation so far whenever the page (re)joins, so a reload or a dropped
// connection loses nothing.
import { io } from "socket.io-client";

const SESSION_KEY = "freightdesk.webchat.session";
const LANGUAGE_KEY = "freightdesk.webchat.language";
const LANGUAGES = ["en", "zh"];
const HTML_LANG = { en: "en-HK", zh: "zh-HK" };
const GREETING = "/greet";
const TYPING_TIMEOUT_MS = 20000;
const LINK_RE = /\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g;

const log = document.getElementById("log");
const form = document.getElementById("form");
const input = document.getElementById("input");
const sendButton = document.getElementById("send");
const statusLine = document.getElementById("status");
const languageButton = document.getElementById("language");

// Every word on the page comes from the catalogue (locales/*/web.yml): the server puts
// each language's strings in <body data-strings>; a switch of language re-labels the page.
const STRINGS = JSON.parse(document.body.dataset.strings || "{}");
let language = storedLanguage() || document.body.dataset.language || "en";
let statusKey = null;

function storedLanguage() {
  try {
    const chosen = localStorage.getItem(LANGUAGE_KEY);
    return LANGUAGES.includes(chosen) ? chosen : null;
  } catch {
    return null;
  }
}

function say(key) {
  return STRINGS[language]?.[key] ?? STRINGS.en?.[key] ?? "";
}

function applyLanguage() {
  document.documentElement.lang = HTML_LANG[language];
  for (const node of document.querySelectorAll("[data-i18n]")) {
    node.textContent = say(node.dataset.i18n);
  }
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = say(node.dataset.i18nPlaceholder);
  }
  for (const node of document.querySelectorAll("[data-i18n-aria-label]")) {
    node.setAttribute("aria-label", say(node.dataset.i18nAriaLabel));
  }
  if (statusKey) setStatus(statusKey);
}

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

function setStatus(key) {
  statusKey = key || null;
  statusLine.textContent = key ? say(key) : "";
  statusLine.hidden = !key;
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
    image.alt = say("web.image_alt");
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
    item.setAttribute("aria-label", say("web.typing"));
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

// Websockets only: the server refuses long polling (a session must stay on one replica).
const socket = io({ path: "/webchat/socket.io/", transports: ["websocket"] });

function send(payload, shownAs) {
  if (!sessionId || !payload) return;
  clearReplies();
  if (shownAs !== null) addBubble("user", { text: shownAs ?? payload });
  const metadata = shownAs === null ? { hidden: true } : shownAs ? { display: shownAs } : {};
  socket.emit("user_uttered", { message: payload, session_id: sessionId, metadata });
  showTyping(true);
}

socket.on("connect", () => {
  setStatus(null);
  socket.emit("session_request", { session_id: sessionId || storedSession() });
});

socket.on("session_confirm", (id) => {
  sessionId = id;
  storeSession(id);
  setReady(true);
});

socket.on("history", (messages) => {
  showHistory(messages);
  // A new conversation opens with the greeting and its choices, as a person would, in
  // the language this browser chose last time.
  if (messages.length === 0) {
    if (storedLanguage() && storedLanguage() !== "en") {
      send(`/switch_language{"language":"${language}"}`, null);
    }
    send(GREETING, null);
  }
});

socket.on("bot_uttered", (message) => {
  showTyping(false);
  showBotMessage(message);
  scrollDown();
});

socket.on("disconnect", () => {
  setReady(false);
  setStatus("web.connection_lost");
});

socket.io.on("reconnect_attempt", () => setStatus("web.reconnecting"));

// The language button switches the page and the conversation (the bot confirms in the
// new language; a question in progress is asked again).
languageButton.addEventListener("click", () => {
  language = language === "zh" ? "en" : "zh";
  try {
    localStorage.setItem(LANGUAGE_KEY, language);
  } catch {
    /* see storedSession */
  }
  applyLanguage();
  send(`/switch_language{"language":"${language}"}`, null);
});

applyLanguage();
setReady(false);
setStatus("web.connecting");

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send(text);
  input.focus();
});
