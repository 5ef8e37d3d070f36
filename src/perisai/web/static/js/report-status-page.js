// The status page (/report/status): case number + PIN -> status, timeline and
// outcome; withdraw (which purges the reporter's fingerprints) and appeal.
//
// The case number and PIN stay in this page's memory: never in the URL, in
// storage or in a cookie.

import {
  describeProblem,
  formatTime,
  onLanguageChange,
  problemFieldErrors,
  requestJson,
  setUpLanguages,
  t,
} from "./report-common.js";
import { STRINGS } from "./report-i18n.js";

const CASE_PATTERN = /^[A-Z0-9]{2,6}(-[A-Z0-9]{2,12}){1,4}$/;
const PIN_PATTERN = /^[0-9]{4,16}$/;

const form = document.getElementById("status-form");
const summary = document.getElementById("error-summary");
const summaryList = document.getElementById("error-summary-list");
const formError = document.getElementById("form-error");
const checkButton = document.getElementById("check");
const result = document.getElementById("status-result");
const actionResult = document.getElementById("action-result");

/** {case_number, pin} once a lookup has succeeded. */
let credentials = null;
/** The last status answer, to redraw on a language change. */
let lastStatus = null;
let errors = [];
/** The last action message: {key, values} or {text}. */
let actionMessage = null;

const FIELDS = {
  case_number: { input: "case-number", error: "case-number-error" },
  pin: { input: "pin", error: "pin-error" },
};

function errorText(error) {
  return error.key ? t(error.key) : error.text;
}

function renderErrors() {
  for (const [name, field] of Object.entries(FIELDS)) {
    const message = errors.filter((e) => e.field === name).map(errorText).join(" ");
    const element = document.getElementById(field.error);
    element.textContent = message;
    element.hidden = !message;
    const input = document.getElementById(field.input);
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  summaryList.replaceChildren();
  for (const error of errors) {
    const item = document.createElement("li");
    const field = FIELDS[error.field];
    if (field) {
      const link = document.createElement("a");
      link.href = `#${field.input}`;
      link.textContent = errorText(error);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        document.getElementById(field.input).focus();
      });
      item.append(link);
    } else {
      item.textContent = errorText(error);
    }
    summaryList.append(item);
  }
  summary.hidden = errors.length === 0;
}

/** Status or event name -> words in the current language (the raw name if unknown). */
function describeState(name) {
  const key = `status_${String(name).toLowerCase().replace(/[^a-z0-9]+/g, "_")}`;
  if (key in STRINGS.en) return t(key);
  const last = String(name).split(".").pop();
  const shortKey = `status_${last}`;
  if (shortKey in STRINGS.en) return t(shortKey);
  return String(name).replace(/[._]+/g, " ");
}

function renderStatus() {
  if (!lastStatus) return;
  const status = lastStatus;
  const value = document.getElementById("status-value");
  value.textContent = describeState(status.status);
  value.dataset.status = status.status;
  const timeline = document.getElementById("timeline");
  timeline.replaceChildren();
  for (const entry of status.timeline || []) {
    const item = document.createElement("li");
    const time = document.createElement("time");
    time.dateTime = String(entry.at || "");
    time.textContent = formatTime(entry.at);
    item.append(time, ` — ${describeState(entry.event || entry.status || "")}`);
    timeline.append(item);
  }
  document.getElementById("outcome").textContent = status.outcome
    ? describeState(status.outcome)
    : t("outcome_none");
  const notice = document.getElementById("notice");
  notice.textContent = status.notice || "";
  notice.hidden = !status.notice;
  const closed = ["withdrawn", "closed"].includes(String(status.status));
  document.getElementById("withdraw-block").hidden = closed;
  document.getElementById("appeal-block").hidden = !status.can_appeal || closed;
  if (actionMessage) {
    actionResult.textContent = actionMessage.key
      ? t(actionMessage.key, actionMessage.values || {})
      : actionMessage.text;
  }
}

async function lookUp() {
  const response = await requestJson("/v1/reports/status", credentials);
  if (!response.ok) return response;
  lastStatus = response.body;
  result.hidden = false;
  renderStatus();
  return response;
}

async function onCheck(event) {
  event.preventDefault();
  formError.hidden = true;
  const caseNumber = document.getElementById("case-number").value.trim().toUpperCase();
  const pin = document.getElementById("pin").value.replace(/\s+/g, "");
  errors = [];
  if (!CASE_PATTERN.test(caseNumber)) errors.push({ field: "case_number", key: "err_case" });
  if (!PIN_PATTERN.test(pin)) errors.push({ field: "pin", key: "err_pin" });
  renderErrors();
  if (errors.length) {
    summary.focus();
    return;
  }
  checkButton.disabled = true;
  checkButton.textContent = t("checking");
  try {
    credentials = { case_number: caseNumber, pin };
    actionMessage = null;
    actionResult.textContent = "";
    const response = await lookUp();
    if (response.ok) {
      document.getElementById("status-heading").focus();
    } else {
      credentials = null;
      result.hidden = true;
      if ([401, 403, 404].includes(response.status)) {
        errors = [{ field: "form", key: "err_not_found" }];
      } else {
        const fieldErrors = problemFieldErrors(response.body).map(({ field, message }) => ({
          field: field in FIELDS ? field : "form",
          text: message,
        }));
        errors = fieldErrors.length ? fieldErrors : [{ field: "form", text: describeProblem(response) }];
      }
      renderErrors();
      summary.focus();
    }
  } catch {
    formError.textContent = t("err_network");
    formError.hidden = false;
  } finally {
    checkButton.disabled = false;
    checkButton.textContent = t("check_button");
  }
}

function setConfirmOpen(open) {
  document.getElementById("withdraw-confirm").hidden = !open;
  document.getElementById("withdraw").hidden = open;
  document.getElementById(open ? "withdraw-no" : "withdraw").focus();
}

async function onWithdraw() {
  if (!credentials) return;
  const yes = document.getElementById("withdraw-yes");
  yes.disabled = true;
  try {
    const response = await requestJson("/v1/reports/withdraw", credentials);
    if (response.ok) {
      const purged = (response.body && response.body.hashes_purged) || 0;
      actionMessage = { key: "withdrawn_done", values: { n: purged } };
      document.getElementById("withdraw-confirm").hidden = true;
      document.getElementById("withdraw").hidden = false;
      await lookUp();
      renderStatus();
      document.getElementById("status-heading").focus();
    } else {
      actionMessage = { text: `${t("err_server")} ${describeProblem(response)}` };
      renderStatus();
    }
  } catch {
    actionMessage = { key: "err_network" };
    renderStatus();
  } finally {
    yes.disabled = false;
  }
}

async function onAppeal(event) {
  event.preventDefault();
  if (!credentials) return;
  const textarea = document.getElementById("appeal-explanation");
  const error = document.getElementById("appeal-error");
  const explanation = textarea.value.trim();
  if (!explanation) {
    error.textContent = t("err_appeal");
    error.hidden = false;
    textarea.setAttribute("aria-invalid", "true");
    textarea.focus();
    return;
  }
  error.hidden = true;
  textarea.removeAttribute("aria-invalid");
  const button = document.getElementById("appeal-submit");
  button.disabled = true;
  try {
    const response = await requestJson("/v1/appeals", { ...credentials, explanation });
    if (response.ok) {
      actionMessage = { key: "appeal_done" };
      textarea.value = "";
      await lookUp();
    } else {
      actionMessage = { text: `${t("err_server")} ${describeProblem(response)}` };
    }
    renderStatus();
  } catch {
    actionMessage = { key: "err_network" };
    renderStatus();
  } finally {
    button.disabled = false;
  }
}

setUpLanguages();
onLanguageChange(() => {
  if (errors.length) renderErrors();
  renderStatus();
});
form.addEventListener("submit", onCheck);
document.getElementById("withdraw").addEventListener("click", () => setConfirmOpen(true));
document.getElementById("withdraw-no").addEventListener("click", () => setConfirmOpen(false));
document.getElementById("withdraw-yes").addEventListener("click", onWithdraw);
document.getElementById("appeal-form").addEventListener("submit", onAppeal);
form.dataset.ready = "true";
