// keplibot emulator: the web chat page. Plain browser JavaScript, no build step, no CDN.
// It talks only to the emulator's /sim API (same origin) and long-polls for changes.
(function () {
  "use strict";

  const POLL_SECONDS = 25;
  const RETRY_MS = 2000;
  const STORAGE = {
    user: "keplibot.sim.user", users: "keplibot.sim.users", locale: "keplibot.sim.locale",
    chats: "keplibot.sim.chats", // user id → the chat last open as that user
  };

  // Greek first; English when the browser asks for it and nothing was chosen yet.
  function initialLocale() {
    const stored = localStorage.getItem(STORAGE.locale);
    if (stored) return stored;
    return /^en\b/i.test(navigator.language || "") ? "en" : "el";
  }

  const $ = (id) => document.getElementById(id);
  const state = {
    locale: initialLocale(),
    teamsUrl: "", // the demo's Microsoft Teams chat page, if any
    strings: {},
    user: null,
    personas: [], // the demo's cast: {user, role, detail, chats}
    chatId: null,
    chat: null, // last chat state from the server
    topic: "all", // "all", "general" or a message_thread_id (string)
    version: 0,
    messages: new Map(), // message_id → transcript entry
    generation: 0, // bumps on chat switch: stale polls are dropped
    replyTo: null,
    keyboardHidden: false,
    pendingQueries: new Set(),
    poller: null,
  };

  // ---- helpers ---------------------------------------------------------------------

  function t(key, params) {
    let text = state.strings[key] || key;
    if (params) {
      for (const [name, value] of Object.entries(params)) {
        text = text.split("{" + name + "}").join(String(value));
      }
    }
    return text;
  }

  async function api(method, path, body) {
    const options = { method, headers: {} };
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(data.error || response.statusText);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children || []) {
      if (child !== null && child !== undefined) {
        node.append(child);
      }
    }
    return node;
  }

  function toast(text) {
    const box = $("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 3500);
  }

  function alertBox(text) {
    $("alert-text").textContent = text;
    $("alert").hidden = false;
    $("alert-ok").focus();
  }

  function safeUrl(url) {
    return /^(https?:|tg:|mailto:)/i.test(url) ? url : null;
  }

  function formatTime(unixSeconds) {
    const date = new Date(unixSeconds * 1000);
    return date.toLocaleTimeString(state.locale === "el" ? "el-GR" : "en-GB",
      { hour: "2-digit", minute: "2-digit" });
  }

  function formatSize(bytes) {
    if (bytes == null) return "";
    const units = ["B", "KB", "MB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return (unit ? value.toFixed(1) : String(value)) + " " + units[unit];
  }

  // ---- translations ----------------------------------------------------------------

  async function loadStrings(locale) {
    const data = await api("GET", "/sim/ui?locale=" + encodeURIComponent(locale));
    state.locale = data.locale;
    state.strings = data.strings;
    localStorage.setItem(STORAGE.locale, state.locale);
    document.documentElement.lang = state.locale;
    document.title = t("title");
    for (const node of document.querySelectorAll("[data-i18n]")) {
      node.textContent = t(node.dataset.i18n);
    }
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
      node.placeholder = t(node.dataset.i18nPlaceholder);
    }
    for (const node of document.querySelectorAll("[data-i18n-title]")) {
      node.title = t(node.dataset.i18nTitle);
      node.setAttribute("aria-label", node.title);
    }
    for (const button of document.querySelectorAll(".lang-toggle button")) {
      button.classList.toggle("active", button.dataset.locale === state.locale);
      button.setAttribute("aria-pressed", String(button.dataset.locale === state.locale));
    }
    if (state.user) {
      renderPersonaBar();
      refreshChats().catch(() => {});
      renderAll();
    } else if (!$("login").hidden) {
      renderLoginLists();
    }
  }

  // ---- users -----------------------------------------------------------------------

  function knownUsers() {
    try {
      return JSON.parse(localStorage.getItem(STORAGE.users) || "[]");
    } catch (error) {
      return [];
    }
  }

  function rememberUser(user) {
    const users = knownUsers().filter((u) => u.id !== user.id);
    users.unshift(user);
    localStorage.setItem(STORAGE.users, JSON.stringify(users.slice(0, 8)));
    localStorage.setItem(STORAGE.user, JSON.stringify(user));
  }

  // ---- personas (the demo's cast) -------------------------------------------------------

  async function loadPersonas() {
    try {
      const cast = await api("GET", "/sim/personas");
      state.personas = cast.personas || [];
      state.teamsUrl = cast.teams || "";
    } catch (error) {
      state.personas = [];
      state.teamsUrl = "";
    }
  }

  function personaOf(userId) {
    return state.personas.find((persona) => persona.user.id === userId) || null;
  }

  function fullName(user) {
    return [user.first_name, user.last_name].filter(Boolean).join(" ");
  }

  function renderPersonaBar() {
    const select = $("persona-select");
    const persona = state.user ? personaOf(state.user.id) : null;
    $("persona-hint").hidden = !persona;
    if (persona) $("persona-hint").textContent = t("hint_" + persona.role);
    if (!state.user || state.personas.length === 0) {
      select.hidden = true;
      return;
    }
    const options = state.personas.map((item) => el("option", {
      value: String(item.user.id), text: fullName(item.user) + " · " + t("role_" + item.role),
    }));
    if (!persona) {
      options.unshift(el("option", { value: String(state.user.id), text: fullName(state.user) }));
    }
    select.replaceChildren(...options);
    select.value = String(state.user.id);
    select.hidden = false;
  }

  function lastChats() {
    try {
      return JSON.parse(localStorage.getItem(STORAGE.chats) || "{}");
    } catch (error) {
      return {};
    }
  }

  function rememberChat(userId, chatId) {
    const chats = lastChats();
    chats[userId] = chatId;
    localStorage.setItem(STORAGE.chats, JSON.stringify(chats));
  }

  function renderLoginLists() {
    $("personas").replaceChildren(...state.personas.map((persona) => el("li", {}, [
      el("button", {
        type: "button", className: "known-user persona", "data-persona": String(persona.user.id),
        onclick: () => enter(persona.user),
      }, [
        el("span", { className: "who", text: fullName(persona.user) }),
        el("span", { className: "role",
          text: t("role_" + persona.role) + (persona.detail ? " · " + persona.detail : "") }),
      ]),
    ])));
    $("personas-box").hidden = state.personas.length === 0;
    $("teams-link").href = state.teamsUrl || "#";
    $("teams-link").hidden = !state.teamsUrl;
    const list = $("known-users");
    list.replaceChildren();
    const users = knownUsers().filter((user) => !personaOf(user.id));
    $("known-users-box").hidden = users.length === 0;
    for (const user of users) {
      const label = [user.first_name, user.last_name].filter(Boolean).join(" ");
      const flag = user.language_code === "en" ? "English" : "Ελληνικά";
      list.append(el("li", {}, [el("button", {
        type: "button", className: "known-user", text: label + " · " + flag,
        onclick: () => enter(user),
      })]));
    }
  }

  function showLogin() {
    stopPolling();
    state.user = null;
    $("chat").hidden = true;
    $("tools-button").hidden = true;
    $("login").hidden = false;
    $("chat-title").textContent = "keplibot";
    $("chat-status").textContent = "";
    renderLoginLists();
    if (state.personas.length === 0) $("first-name").focus(); // else the cast shows first
  }

  async function enter(user) {
    // The emulator may have restarted since: (re)register the user first.
    const data = await api("POST", "/sim/users", user);
    state.user = data.user;
    state.user.language_code = user.language_code;
    rememberUser(state.user);
    $("login").hidden = true;
    $("chat").hidden = false;
    $("tools-button").hidden = false;
    renderPersonaBar();
    await refreshChats();
    // Each person's chats stay as they were: back to the one last open as them.
    const last = lastChats()[state.user.id];
    const open = [...$("chat-select").options].some((option) => option.value === String(last));
    switchChat(last != null && open ? Number(last) : state.user.id);
    $("composer-input").focus();
  }

  // ---- chats -----------------------------------------------------------------------

  async function refreshChats() {
    const select = $("chat-select");
    const current = state.chatId;
    const data = await api("GET", "/sim/chats?user_id=" + state.user.id);
    const options = [el("option", { value: String(state.user.id), text: t("chat_with_bot") })];
    for (const chat of data.chats) {
      if (chat.type !== "private") {
        options.push(el("option", { value: String(chat.id), text: chat.title }));
      }
    }
    select.replaceChildren(...options);
    select.hidden = options.length < 2;
    if (current !== null) select.value = String(current);
  }

  function switchChat(chatId) {
    state.chatId = chatId;
    if (state.user) rememberChat(state.user.id, chatId);
    // Who and where the page is now (tests wait for it after a switch).
    $("app").dataset.user = state.user ? String(state.user.id) : "";
    $("app").dataset.chat = String(chatId);
    $("app").dataset.loaded = "false"; // until the chat's messages have come
    state.generation += 1;
    state.version = 0;
    state.messages.clear();
    state.chat = null;
    state.topic = "all";
    state.replyTo = null;
    state.keyboardHidden = false;
    $("chat-select").value = String(chatId);
    renderAll();
    startPolling();
  }

  function stopPolling() {
    state.generation += 1;
  }

  function startPolling() {
    const generation = state.generation;
    const loop = async () => {
      while (generation === state.generation) {
        try {
          const wait = state.version === 0 ? 0 : POLL_SECONDS;
          const data = await api("GET", "/sim/chats/" + state.chatId + "/changes?since="
            + state.version + "&wait=" + wait);
          if (generation !== state.generation) return;
          if ($("notice").textContent === t("connection_lost")) $("notice").hidden = true;
          applyChanges(data);
        } catch (error) {
          if (generation !== state.generation) return;
          showNotice(t("connection_lost"));
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
    };
    loop();
  }

  function showNotice(text) {
    const notice = $("notice");
    notice.textContent = text;
    notice.hidden = false;
  }

  function applyChanges(data) {
    const first = state.version === 0;
    state.version = data.version;
    $("app").dataset.loaded = "true";
    for (const message of data.messages) {
      state.messages.set(message.message_id, message);
    }
    if (data.chat) {
      state.chat = data;
    }
    for (const answer of data.callback_answers || []) {
      // Only answers to presses made on this page, as a phone shows only its own.
      if (!first && state.pendingQueries.has(answer.callback_query_id)) {
        state.pendingQueries.delete(answer.callback_query_id);
        if (answer.url) {
          toast(t("opens_link", { url: answer.url }));
        } else if (answer.text) {
          if (answer.show_alert) alertBox(answer.text); else toast(answer.text);
        }
      }
    }
    renderAll();
  }

  // ---- rendering -------------------------------------------------------------------

  function renderAll() {
    renderHeader();
    renderTopics();
    renderMessages();
    renderKeyboard();
    renderReplyBanner();
  }

  function renderHeader() {
    const chat = state.chat && state.chat.chat;
    const title = chat && chat.type !== "private" ? chat.title : "keplibot";
    $("chat-title").textContent = title;
    const action = state.chat && state.chat.chat_action;
    let status = t("bot_label");
    if (action && action.until * 1000 > Date.now()) {
      status = action.action === "typing" ? t("typing") : t("uploading");
      clearTimeout(renderHeader.timer);
      renderHeader.timer = setTimeout(renderHeader, action.until * 1000 - Date.now() + 50);
    }
    $("chat-status").textContent = status;
    const blocked = Boolean(state.chat && state.chat.blocked);
    $("block-toggle").textContent = blocked ? t("unblock_bot") : t("block_bot");
    $("block-toggle").hidden = Boolean(chat && chat.type !== "private");
    if (blocked && chat && chat.type === "private") {
      showNotice(t("blocked"));
    } else if ($("notice").textContent === t("blocked")) {
      $("notice").hidden = true;
    }
  }

  function renderTopics() {
    const select = $("topic-select");
    const chat = state.chat && state.chat.chat;
    if (!chat || !chat.is_forum) {
      select.hidden = true;
      return;
    }
    const options = [
      el("option", { value: "all", text: t("all_topics") }),
      el("option", { value: "general", text: t("general_topic") }),
    ];
    for (const topic of state.chat.topics) {
      options.push(el("option", { value: String(topic.message_thread_id), text: topic.name }));
    }
    select.replaceChildren(...options);
    select.value = state.topic;
    select.hidden = false;
  }

  function visible(message) {
    if (message.deleted) return false;
    if (state.topic === "all") return true;
    if (state.topic === "general") return message.message_thread_id == null;
    return String(message.message_thread_id) === state.topic;
  }

  function renderMessages() {
    const box = $("messages");
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const ids = [...state.messages.keys()].sort((a, b) => a - b);
    const nodes = [];
    for (const id of ids) {
      const message = state.messages.get(id);
      if (visible(message)) nodes.push(renderMessage(message));
    }
    if (nodes.length === 0) {
      nodes.push(el("p", { className: "empty", text: t("empty_chat") }));
    }
    box.replaceChildren(...nodes);
    if (nearBottom || state.justSent) {
      box.scrollTop = box.scrollHeight;
      state.justSent = false;
    }
  }

  function topicName(threadId) {
    const topics = (state.chat && state.chat.topics) || [];
    const topic = topics.find((item) => item.message_thread_id === threadId);
    return topic ? topic.name : t("general_topic");
  }

  function renderService(message) {
    const data = message.service_data || {};
    const texts = {
      forum_topic_created: () => t("topic_created", { name: data.name }),
      forum_topic_edited: () => t("topic_edited", { name: data.name || "" }),
      forum_topic_closed: () => t("topic_closed"),
      forum_topic_reopened: () => t("topic_reopened"),
    };
    const text = texts[message.service] ? texts[message.service]() : message.service;
    return el("div", { className: "service", "data-message-id": message.message_id, text });
  }

  function renderMessage(message) {
    if (message.service) return renderService(message);
    const mine = !message.from_bot && message.from && state.user && message.from.id === state.user.id;
    const classes = ["message", message.from_bot ? "bot" : "user", mine ? "mine" : "other"];
    const bubble = el("div", {
      className: classes.join(" "),
      "data-message-id": message.message_id,
      "data-testid": message.from_bot ? "bot-message" : "user-message",
    });
    if (!message.from_bot && !mine && message.from) {
      bubble.append(el("div", { className: "sender", text: message.from.first_name }));
    }
    if (state.chat && state.chat.chat.is_forum && state.topic === "all") {
      bubble.append(el("div", { className: "topic-badge",
        text: t("topic") + ": " + topicName(message.message_thread_id) }));
    }
    if (message.forwarded) {
      bubble.append(el("div", { className: "forwarded", text: t("forwarded") }));
    }
    if (message.reply_to_message_id != null) {
      const replied = state.messages.get(message.reply_to_message_id);
      if (replied && !replied.deleted) {
        bubble.append(el("div", { className: "quote", text: preview(replied) }));
      }
    }
    if (message.photo) {
      bubble.append(el("img", {
        className: "photo", src: message.photo.url, alt: t("photo"),
        width: message.photo.width, height: message.photo.height, loading: "lazy",
      }));
    }
    if (message.document) {
      const doc = message.document;
      bubble.append(el("a", {
        className: "document", href: doc.url, download: doc.file_name || "file",
        "data-testid": "document-link",
      }, [
        el("span", { className: "doc-icon", "aria-hidden": "true",
          text: (doc.file_name || "").split(".").pop().slice(0, 4).toUpperCase() || "FILE" }),
        el("span", { className: "doc-name", text: doc.file_name || t("document") }),
        el("span", { className: "doc-size", text: formatSize(doc.file_size) + " · " + t("download") }),
      ]));
    }
    for (const kind of ["voice", "audio"]) {
      if (message[kind]) {
        bubble.append(el("div", { className: "voice" }, [
          el("span", { text: t("voice") }),
          el("audio", { controls: true, src: message[kind].url, preload: "none" }),
        ]));
      }
    }
    if (message.text != null) {
      bubble.append(el("div", { className: "text" }, [renderEntities(message.text, message.entities)]));
    } else if (message.caption != null) {
      bubble.append(el("div", { className: "text caption" },
        [renderEntities(message.caption, message.caption_entities)]));
    }
    const meta = el("div", { className: "meta" });
    if (message.edited) meta.append(el("span", { className: "edited", text: t("edited") }));
    meta.append(el("time", { text: formatTime(message.date) }));
    meta.append(el("button", {
      type: "button", className: "reply-action link-button", text: t("reply"),
      onclick: () => setReply(message.message_id),
    }));
    bubble.append(meta);
    const markup = message.reply_markup;
    if (markup && markup.inline_keyboard && markup.inline_keyboard.length) {
      bubble.append(renderInlineKeyboard(message, markup.inline_keyboard));
    }
    return el("div", { className: "row " + (mine ? "right" : "left") }, [bubble]);
  }

  function preview(message) {
    const body = message.text || message.caption
      || (message.photo ? t("photo") : message.document ? t("document") : t("voice"));
    return body.length > 80 ? body.slice(0, 79) + "…" : body;
  }

  function renderInlineKeyboard(message, rows) {
    const box = el("div", { className: "inline-keyboard" });
    for (const row of rows) {
      const line = el("div", { className: "inline-row" });
      for (const button of row) {
        if (button.url && safeUrl(button.url)) {
          line.append(el("a", {
            className: "inline-button url", href: button.url, target: "_blank",
            rel: "noopener noreferrer", title: t("open_link"), text: button.text + " ↗",
          }));
        } else if (button.callback_data !== undefined) {
          line.append(el("button", {
            type: "button", className: "inline-button", text: button.text,
            "data-callback": button.callback_data,
            onclick: (event) => press(message, button, event.currentTarget),
          }));
        } else {
          line.append(el("button", { type: "button", className: "inline-button", text: button.text,
            disabled: true }));
        }
      }
      box.append(line);
    }
    return box;
  }

  // Builds DOM for text with Bot API entities (UTF-16 offsets, as JavaScript strings).
  function renderEntities(text, entities) {
    const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
    const build = (start, end, list) => {
      const fragment = document.createDocumentFragment();
      let position = start;
      let index = 0;
      while (index < list.length) {
        const entity = list[index];
        const entityStart = Math.max(entity.offset, position);
        const entityEnd = Math.min(entity.offset + entity.length, end);
        const inner = [];
        index += 1;
        while (index < list.length && list[index].offset < entity.offset + entity.length) {
          inner.push(list[index]);
          index += 1;
        }
        if (entityStart >= entityEnd) continue;
        if (entityStart > position) fragment.append(text.slice(position, entityStart));
        const node = entityNode(entity, text.slice(entityStart, entityEnd));
        const target = node.querySelector("[data-slot]") || node;
        target.append(build(entityStart, entityEnd, inner));
        fragment.append(node);
        position = entityEnd;
      }
      if (position < end) fragment.append(text.slice(position, end));
      return fragment;
    };
    return build(0, text.length, sorted);
  }

  function entityNode(entity, content) {
    switch (entity.type) {
      case "bold": return el("b");
      case "italic": return el("i");
      case "underline": return el("u");
      case "strikethrough": return el("s");
      case "spoiler": return el("span", { className: "spoiler",
        onclick: (event) => event.currentTarget.classList.add("revealed") });
      case "code": return el("code");
      case "pre": {
        const pre = el("pre", entity.language ? { "data-language": entity.language } : {});
        pre.append(el("code", { "data-slot": true }));
        return pre;
      }
      case "blockquote": return el("blockquote");
      case "expandable_blockquote": return el("blockquote", { className: "expandable",
        onclick: (event) => event.currentTarget.classList.toggle("open") });
      case "text_link": {
        const href = safeUrl(entity.url || "");
        return href ? el("a", { href, target: "_blank", rel: "noopener noreferrer" }) : el("span");
      }
      case "url": {
        const href = safeUrl(/^https?:/i.test(content) ? content : "http://" + content);
        return el("a", { href, target: "_blank", rel: "noopener noreferrer" });
      }
      case "email": return el("a", { href: "mailto:" + content });
      case "bot_command": return el("a", { href: "#", className: "command",
        onclick: (event) => { event.preventDefault(); sendText(content); } });
      default: return el("span", { className: "entity-" + entity.type });
    }
  }

  function renderKeyboard() {
    const box = $("reply-keyboard");
    const markup = state.chat && state.chat.reply_keyboard;
    $("keyboard-toggle").hidden = !markup;
    if (!markup || state.keyboardHidden) {
      box.hidden = true;
      box.replaceChildren();
      $("keyboard-toggle").title = t("show_keyboard");
      return;
    }
    $("keyboard-toggle").title = t("hide_keyboard");
    const rows = markup.keyboard.map((row) => el("div", { className: "keyboard-row" },
      row.map((button) => el("button", {
        type: "button", className: "keyboard-button", text: button.text,
        onclick: () => sendText(button.text),
      }))));
    box.replaceChildren(...rows);
    box.hidden = false;
  }

  function renderPlaceholder() {
    const force = state.chat && state.chat.force_reply;
    const keyboard = state.chat && state.chat.reply_keyboard;
    $("composer-input").placeholder = (force && force.input_field_placeholder)
      || (keyboard && keyboard.input_field_placeholder) || t("message_placeholder");
  }

  function renderReplyBanner() {
    const force = state.chat && state.chat.force_reply;
    let replyTo = state.replyTo;
    if (replyTo == null && force) replyTo = force.message_id;
    const target = replyTo != null ? state.messages.get(replyTo) : null;
    $("reply-banner").hidden = !target;
    if (target) $("reply-preview").textContent = preview(target);
    renderPlaceholder();
  }

  function setReply(messageId) {
    state.replyTo = messageId;
    renderReplyBanner();
    $("composer-input").focus();
  }

  // ---- actions ---------------------------------------------------------------------

  function threadForSend() {
    if (!state.chat || !state.chat.chat.is_forum) return null;
    return /^\d+$/.test(state.topic) ? Number(state.topic) : null;
  }

  function replyForSend() {
    if (state.replyTo != null) return state.replyTo;
    const force = state.chat && state.chat.force_reply;
    return force ? force.message_id : null;
  }

  async function sendText(text) {
    const body = text.trim();
    if (!body || !state.user) return;
    try {
      state.justSent = true;
      await api("POST", "/sim/messages", {
        user: state.user, text: body, chat_id: state.chatId,
        reply_to: replyForSend(), thread_id: threadForSend(),
      });
      state.replyTo = null;
      renderReplyBanner();
    } catch (error) {
      toast(t("send_failed", { error: error.message }));
    }
  }

  async function sendFile(file, kind) {
    const form = new FormData();
    form.append("user", JSON.stringify(state.user));
    form.append("kind", kind);
    form.append("chat_id", String(state.chatId));
    const caption = $("composer-input").value.trim();
    if (caption) form.append("caption", caption);
    const reply = replyForSend();
    if (reply != null) form.append("reply_to", String(reply));
    const thread = threadForSend();
    if (thread != null) form.append("thread_id", String(thread));
    form.append("file", file, file.name);
    try {
      state.justSent = true;
      await api("POST", "/sim/media", form);
      $("composer-input").value = "";
      state.replyTo = null;
      renderReplyBanner();
    } catch (error) {
      toast(t("send_failed", { error: error.message }));
    }
  }

  async function press(message, button, node) {
    node.classList.add("pressed");
    try {
      const result = await api("POST", "/sim/press", {
        user: state.user, chat_id: state.chatId,
        message_id: message.message_id, callback_data: button.callback_data,
      });
      state.pendingQueries.add(result.callback_query_id);
    } catch (error) {
      toast(t("send_failed", { error: error.message }));
    } finally {
      setTimeout(() => node.classList.remove("pressed"), 300);
    }
  }

  async function toggleCommands() {
    const menu = $("commands-menu");
    if (!menu.hidden) { menu.hidden = true; return; }
    let commands = [];
    try {
      const data = await api("GET", "/sim/chats/" + state.chatId + "/commands?user_id=" + state.user.id);
      commands = data.commands;
    } catch (error) {
      commands = [];
    }
    menu.replaceChildren(...(commands.length ? commands.map((command) => el("button", {
      type: "button", className: "command-item",
      onclick: () => { menu.hidden = true; sendText("/" + command.command); },
    }, [el("b", { text: "/" + command.command }), el("span", { text: command.description })]))
      : [el("p", { className: "hint", text: t("no_commands") })]));
    menu.hidden = false;
  }

  async function toggleBlock() {
    $("tools-menu").hidden = true;
    const blocked = Boolean(state.chat && state.chat.blocked);
    try {
      await api("POST", "/sim/chats/" + state.chatId + "/block", { blocked: !blocked });
    } catch (error) {
      toast(t("send_failed", { error: error.message }));
    }
  }

  // ---- wiring ----------------------------------------------------------------------

  function wire() {
    for (const button of document.querySelectorAll(".lang-toggle button")) {
      button.addEventListener("click", () => loadStrings(button.dataset.locale));
    }
    $("login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const firstName = $("first-name").value.trim();
      if (!firstName) {
        $("login-error").textContent = t("name_required");
        $("login-error").hidden = false;
        return;
      }
      const language = document.querySelector("input[name=language_code]:checked").value;
      try {
        await enter({
          first_name: firstName,
          last_name: $("last-name").value.trim() || null,
          username: $("username").value.trim() || null,
          language_code: language,
        });
      } catch (error) {
        $("login-error").textContent = t("send_failed", { error: error.message });
        $("login-error").hidden = false;
      }
    });
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("composer-input");
      const text = input.value;
      input.value = "";
      sendText(text);
    });
    $("composer-input").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        $("composer").requestSubmit();
      }
    });
    $("attach-button").addEventListener("click", () => {
      $("attach-menu").hidden = !$("attach-menu").hidden;
    });
    $("attach-photo").addEventListener("click", () => {
      $("attach-menu").hidden = true;
      $("photo-input").click();
    });
    $("attach-document").addEventListener("click", () => {
      $("attach-menu").hidden = true;
      $("document-input").click();
    });
    $("photo-input").addEventListener("change", (event) => {
      const file = event.target.files[0];
      event.target.value = "";
      if (file) sendFile(file, "photo");
    });
    $("document-input").addEventListener("change", (event) => {
      const file = event.target.files[0];
      event.target.value = "";
      if (file) sendFile(file, "document");
    });
    $("menu-button").addEventListener("click", toggleCommands);
    $("keyboard-toggle").addEventListener("click", () => {
      state.keyboardHidden = !state.keyboardHidden;
      renderKeyboard();
    });
    $("reply-cancel").addEventListener("click", () => {
      state.replyTo = null;
      if (state.chat) state.chat.force_reply = null;
      renderReplyBanner();
    });
    $("tools-button").addEventListener("click", () => {
      const menu = $("tools-menu");
      menu.hidden = !menu.hidden;
      $("tools-button").setAttribute("aria-expanded", String(!menu.hidden));
    });
    $("switch-user").addEventListener("click", () => {
      $("tools-menu").hidden = true;
      localStorage.removeItem(STORAGE.user);
      showLogin();
    });
    $("block-toggle").addEventListener("click", toggleBlock);
    $("persona-select").addEventListener("change", (event) => {
      const persona = personaOf(Number(event.target.value));
      if (persona) enter(persona.user).catch((error) => toast(t("send_failed", { error: error.message })));
    });
    $("chat-select").addEventListener("focus", () => refreshChats().catch(() => {}));
    $("chat-select").addEventListener("change", (event) => switchChat(Number(event.target.value)));
    $("topic-select").addEventListener("change", (event) => {
      state.topic = event.target.value;
      renderMessages();
    });
    $("alert-ok").addEventListener("click", () => { $("alert").hidden = true; });
  }

  async function main() {
    wire();
    await loadPersonas();
    try {
      await loadStrings(state.locale);
    } catch (error) {
      showNotice("The emulator is not reachable.");
    }
    let saved = null;
    try {
      saved = JSON.parse(localStorage.getItem(STORAGE.user) || "null");
    } catch (error) {
      saved = null;
    }
    if (saved && saved.id) {
      try {
        await enter(saved);
        return;
      } catch (error) {
        localStorage.removeItem(STORAGE.user);
      }
    }
    showLogin();
  }

  main();
})();
