// Agent console: live transcript and replies. Customer text is only ever put in the page
// with textContent, never as HTML.
"use strict";

// A key pressed while writing in a field is text, not a shortcut.
function typing(event) {
  const target = event.target;
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

(function () {
  const root = document.getElementById("conversation");
  if (!root) {
    return;
  }
  const handoffId = root.dataset.handoff;
  const pollMs = Number(root.dataset.poll || "2") * 1000;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const transcript = document.getElementById("transcript");
  const problem = document.getElementById("problem");
  const outbox = document.getElementById("outbox");
  const form = document.getElementById("reply");
  const text = document.getElementById("reply-text");
  const badge = document.getElementById("language");
  const cannedLanguage = document.getElementById("canned-language");
  // Until the agent picks a language for the canned replies, they follow the customer's.
  let cannedChosen = false;
  let shown = "";
  let refreshing = null;

  function showLanguage(language) {
    if (!language || !badge || badge.dataset.language === language) {
      return;
    }
    badge.dataset.language = language;
    badge.lang = language;
    badge.className = "lang lang-" + language;
    badge.textContent = cannedLanguage?.querySelector(`option[value="${language}"]`)?.textContent || language;
    if (cannedLanguage && !cannedChosen) {
      cannedLanguage.value = language;
    }
  }

  function line(who, body, agent) {
    const item = document.createElement("li");
    item.className = "line line-" + who;
    const label = document.createElement("span");
    label.className = "who";
    label.textContent = who === "agent" ? agent || "agent" : who;
    const content = document.createElement("span");
    content.className = "text";
    content.textContent = body;
    item.append(label, content);
    return item;
  }

  // One refresh at a time; a change announced meanwhile is read right after it.
  function refresh() {
    if (refreshing) {
      refreshing.again = true;
      return refreshing.done;
    }
    refreshing = { again: false };
    refreshing.done = (async () => {
      do {
        refreshing.again = false;
        await load();
      } while (refreshing.again);
      refreshing = null;
    })();
    return refreshing.done;
  }

  async function load() {
    try {
      const response = await fetch(`/handoffs/${handoffId}/transcript.json`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) {
        throw new Error(`the console answered ${response.status}`);
      }
      const data = await response.json();
      const key = JSON.stringify(data.lines);
      if (key !== shown) {
        shown = key;
        transcript.replaceChildren(...data.lines.map((l) => line(l.who, l.text, l.agent)));
        transcript.lastElementChild?.scrollIntoView({ block: "end" });
      }
      showLanguage(data.language);
      problem.hidden = !data.problem;
      problem.textContent = data.problem || "";
    } catch (error) {
      problem.hidden = false;
      problem.textContent = `The transcript could not be refreshed (${error.message}).`;
    }
  }

  function newId() {
    return crypto.randomUUID().replaceAll("-", "");
  }

  function outboxItem(clientId, body) {
    let item = outbox.querySelector(`[data-id="${clientId}"]`);
    if (!item) {
      item = document.createElement("li");
      item.dataset.id = clientId;
      const content = document.createElement("span");
      content.className = "text";
      content.textContent = body;
      const state = document.createElement("span");
      state.className = "state";
      item.append(content, state);
      outbox.append(item);
    }
    return item;
  }

  async function send(clientId, body) {
    const item = outboxItem(clientId, body);
    const state = item.querySelector(".state");
    item.querySelector("button")?.remove();
    state.textContent = "sending…";
    let result;
    try {
      const response = await fetch(`/handoffs/${handoffId}/messages`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ client_id: clientId, text: body }),
      });
      result = await response.json().catch(() => ({ error: `status ${response.status}` }));
    } catch (error) {
      result = { status: "failed", error: error.message };
    }
    item.className = "out out-" + (result.status || "failed");
    if (result.status === "sent") {
      state.textContent = "delivered";
      refresh();
      return;
    }
    state.textContent = `not delivered: ${result.error || result.status}`;
    const retry = document.createElement("button");
    retry.type = "button";
    retry.textContent = "Retry";
    // The same id: the server sends it once however often this is pressed.
    retry.addEventListener("click", () => send(clientId, body));
    item.append(retry);
  }

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = text.value.trim();
      if (!body) {
        return;
      }
      text.value = "";
      send(newId(), body);
    });
    cannedLanguage?.addEventListener("change", () => {
      cannedChosen = true;
    });
    const search = document.getElementById("canned-search");
    search?.addEventListener("input", () => {
      const words = search.value.trim().toLowerCase();
      const language = cannedLanguage ? cannedLanguage.value : "en";
      for (const button of document.querySelectorAll(".canned-reply")) {
        const haystack = `${button.textContent} ${button.getAttribute(`data-text-${language}`) || ""}`;
        button.hidden = Boolean(words) && !haystack.toLowerCase().includes(words);
      }
    });
    search?.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        // Enter takes the first reply that matches.
        event.preventDefault();
        document.querySelector(".canned-reply:not([hidden])")?.click();
      }
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    document.addEventListener("keydown", (event) => {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) {
        return;
      }
      if (event.key === "r") {
        event.preventDefault();
        text.focus();
      } else if (event.key === "/") {
        event.preventDefault();
        search?.focus();
      } else if (event.key === "H") {
        document.getElementById("hand-back")?.requestSubmit();
      }
    });
    for (const button of document.querySelectorAll(".canned-reply")) {
      button.addEventListener("click", () => {
        const language = cannedLanguage ? cannedLanguage.value : "en";
        text.value = button.getAttribute(`data-text-${language}`) || button.dataset.textEn;
        text.focus();
      });
    }
  }

  refresh();
  // Server push says when this conversation changed; the slow poll only covers a stream
  // that is down.
  document.addEventListener("console:handoff", (event) => {
    if (String(event.detail.id) === handoffId) {
      refresh();
    }
  });
  document.addEventListener("console:reconnected", refresh);
  setInterval(refresh, pollMs);
})();

// The queue and "your conversations": redrawn when the server says the queue moved; a new
// waiting customer puts a count in the tab's title and, if the agent turned it on, a beep.
(function () {
  const root = document.getElementById("live-queue");
  if (!root) {
    return;
  }
  const baseTitle = document.title;
  const sound = document.getElementById("sound");
  let unseen = 0;
  let busy = false;
  let again = false;
  if (sound) {
    sound.checked = localStorage.getItem("console.sound") === "on";
    sound.addEventListener("change", () => {
      localStorage.setItem("console.sound", sound.checked ? "on" : "off");
    });
  }

  function beep() {
    if (!sound?.checked) {
      return;
    }
    try {
      const audio = new AudioContext();
      const tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.2);
    } catch (error) {
      // No audio device: the title still shows the count.
    }
  }

  function showTitle() {
    document.title = unseen > 0 ? `(${unseen}) ${baseTitle}` : baseTitle;
  }

  async function redraw() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    do {
      again = false;
      try {
        const response = await fetch("/queue", { credentials: "same-origin" });
        if (response.ok) {
          const page = new DOMParser().parseFromString(await response.text(), "text/html");
          const fresh = page.getElementById("live-queue");
          if (fresh) {
            root.replaceChildren(...fresh.childNodes);
          }
        }
      } catch (error) {
        // The next change, or the reconnection, redraws it.
      }
    } while (again);
    busy = false;
  }

  document.addEventListener("console:queue", (event) => {
    if (event.detail.joined.length > 0) {
      unseen += event.detail.joined.length;
      showTitle();
      beep();
    }
    redraw();
  });
  document.addEventListener("console:reconnected", redraw);
  document.addEventListener("keydown", (event) => {
    if (event.key === "t" && !typing(event) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      const first = root.querySelector("tr[data-handoff] form[action$='/take']");
      first?.requestSubmit();
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      unseen = 0;
      showTitle();
    }
  });
  window.addEventListener("focus", () => {
    unseen = 0;
    showTitle();
  });
})();

// Staff notices: the count of unread ones beside "Notices" on every page, and the list
// on the notices page redrawn when one is left or read, both from the stream.
(function () {
  const badge = document.getElementById("notice-count");
  if (!badge) {
    return;
  }
  const list = document.getElementById("notice-page");
  let shown = null;

  async function redraw() {
    try {
      const response = await fetch("/notices", { credentials: "same-origin" });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.getElementById("notice-page");
        if (fresh) {
          list.replaceChildren(...fresh.childNodes);
        }
      }
    } catch (error) {
      // The next change, or the reconnection, redraws it.
    }
  }

  document.addEventListener("console:notices", (event) => {
    const unread = event.detail.unread;
    badge.textContent = String(unread);
    badge.hidden = unread === 0;
    if (list && shown !== null && shown !== unread) {
      redraw();
    }
    shown = unread;
  });
})();

// Server push: one stream per page, its events handed to the page's parts as DOM events.
(function () {
  if (!document.getElementById("notice-count")) {
    return;
  }
  let opened = false;
  const stream = new EventSource("/live");
  stream.addEventListener("open", () => {
    if (opened) {
      document.dispatchEvent(new CustomEvent("console:reconnected"));
    }
    opened = true;
    document.body.dataset.live = "on";
  });
  stream.addEventListener("error", () => {
    document.body.dataset.live = "off";
  });
  for (const kind of ["queue", "handoff", "notices"]) {
    stream.addEventListener(kind, (message) => {
      document.dispatchEvent(
        new CustomEvent(`console:${kind}`, { detail: JSON.parse(message.data) })
      );
    });
  }
})();
