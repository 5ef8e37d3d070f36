// Shared by the report page and the status page: the language in use, the
// language switcher, translation of the static text, and JSON requests.
//
// The language comes from ?lang= (so a link or a reload keeps it), else the
// browser's preferred language, else English. It is never stored on the
// device: someone reporting abuse may share the device with the abuser.

import { LANGUAGES, STRINGS } from "./report-i18n.js";

const CODES = LANGUAGES.map((language) => language.code);

function initialLanguage() {
  const asked = new URLSearchParams(window.location.search).get("lang");
  if (asked && CODES.includes(asked)) return asked;
  for (const preferred of navigator.languages || [navigator.language || "en"]) {
    const base = String(preferred).toLowerCase().split("-")[0];
    if (CODES.includes(base)) return base;
  }
  return "en";
}

let current = initialLanguage();
const listeners = [];

export function language() {
  return current;
}

/** The text for ``key`` in the current language (English if missing), with {name} filled in. */
export function t(key, values = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    name in values ? String(values[name]) : whole,
  );
}

/** Whether ``key`` has a text (in any language). */
export function hasText(key) {
  return key in STRINGS.en;
}

/** Sets every [data-i18n] element's text and the page's lang attribute. */
function translatePage() {
  document.documentElement.lang = current === "zh" ? "zh-Hans" : current;
  for (const element of document.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  const title = document.querySelector("title[data-i18n-title]");
  if (title) document.title = `${t(title.dataset.i18nTitle)} – Perisai`;
  for (const button of document.querySelectorAll("#language-switcher button")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === current));
  }
  for (const link of document.querySelectorAll("a[data-keep-lang]")) {
    const url = new URL(link.getAttribute("href"), window.location.href);
    url.searchParams.set("lang", current);
    link.setAttribute("href", url.pathname + url.search);
  }
}

export function setLanguage(code) {
  if (!CODES.includes(code)) return;
  current = code;
  const url = new URL(window.location.href);
  url.searchParams.set("lang", code);
  window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  translatePage();
  for (const listener of listeners) listener(code);
}

/** ``listener(code)`` runs after every language change (to redraw dynamic text). */
export function onLanguageChange(listener) {
  listeners.push(listener);
}

/**
 * Fills #language-switcher with one button per language, each named in its
 * own language (with a lang attribute, so screen readers pronounce it right).
 */
export function setUpLanguages() {
  const switcher = document.getElementById("language-switcher");
  if (switcher) {
    const list = switcher.querySelector("ul");
    for (const { code, name } of LANGUAGES) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.lang = code;
      button.lang = code === "zh" ? "zh-Hans" : code;
      button.textContent = name;
      button.addEventListener("click", () => setLanguage(code));
      item.append(button);
      list.append(item);
    }
  }
  translatePage();
}

/** Formats an ISO date-time for people, in the current language and the device's time zone. */
export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  try {
    return new Intl.DateTimeFormat(current === "zh" ? "zh-Hans" : current, {
      dateStyle: "medium",
      timeStyle: "short",
    }).format(date);
  } catch {
    return date.toISOString();
  }
}

/**
 * POSTs (or GETs, without a body) JSON; resolves to {ok, status, body}. Throws
 * only when the service cannot be reached.
 */
export async function requestJson(url, body) {
  const init = {
    method: body === undefined ? "GET" : "POST",
    headers: { Accept: "application/json, application/problem+json" },
    credentials: "same-origin",
    referrerPolicy: "no-referrer",
  };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { ok: response.ok, status: response.status, body: parsed };
}

/** Field errors of a problem document, as {field, message} with the "body." prefix removed. */
export function problemFieldErrors(problem) {
  if (!problem || !Array.isArray(problem.errors)) return [];
  return problem.errors.map((error) => ({
    field: String(error.field || "").replace(/^body\./, ""),
    message: String(error.message || ""),
  }));
}

/** A one-line description of a failed response, from its problem document if any. */
export function describeProblem(response) {
  const problem = response.body;
  if (problem && typeof problem === "object" && (problem.detail || problem.title)) {
    return String(problem.detail || problem.title);
  }
  return `HTTP ${response.status}`;
}

/** Renders support resources ([{name, phone, url, source}]) into a list element. */
export function renderSupport(list, resources) {
  list.replaceChildren();
  for (const resource of resources) {
    const item = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = resource.name || "";
    item.append(name);
    if (resource.phone) {
      const phone = document.createElement("a");
      phone.href = `tel:${String(resource.phone).replace(/[^0-9+]/g, "")}`;
      phone.textContent = resource.phone;
      item.append(" ", phone);
    }
    if (resource.url && /^https?:\/\//i.test(resource.url)) {
      const link = document.createElement("a");
      link.href = resource.url;
      link.rel = "noopener noreferrer";
      link.textContent = resource.url.replace(/^https?:\/\//i, "").replace(/\/$/, "");
      item.append(" ", link);
    }
    if (resource.description) {
      const description = document.createElement("p");
      description.textContent = resource.description;
      item.append(description);
    }
    list.append(item);
  }
}
