// The report form (/report): a notice that is valid under the TAKE IT DOWN
// Act and DSA Art 16, asking for nothing more than those need.
//
// - Name and email are required except for reports of a sexual image of a
//   child, which may be anonymous (DSA Art 16(2)(c)).
// - A signature (typed full name) is asked only where TAKE IT DOWN needs one:
//   intimate image or deepfake reported by the person or someone acting for them.
// - Pictures chosen for fingerprints are read on this device only; only the
//   PDQ/MD5 codes go with the report (same rules as /survivor/hash).
// - Errors: each field gets its message (linked with aria-describedby) and a
//   summary at the top, which takes focus on submit.

import {
  describeProblem,
  formatTime,
  language,
  onLanguageChange,
  problemFieldErrors,
  renderSupport,
  requestJson,
  setUpLanguages,
  t,
} from "./report-common.js";
import { md5Hex } from "./md5.js";
import { pdqFromBlob } from "./pdq.js";

const MAX_URLS = 20;
const MAX_EXPLANATION = 5000;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SIGNATURE_REASONS = new Set(["intimate_image_of_me", "sexual_deepfake_of_me"]);
const ANONYMOUS_REASON = "child_sexual_abuse";

/** Countries offered; their names come from the browser in the chosen language. */
const COUNTRIES = [
  "MY", "ID", "SG", "BN", "TH", "PH", "VN", "IN", "LK", "AU", "NZ", "GB", "IE", "US", "CA",
  "DE", "FR", "NL", "ES", "IT", "PL", "SE", "BR", "JP", "KR", "CN", "HK", "TW",
];

const form = document.getElementById("report-form");
const summary = document.getElementById("error-summary");
const summaryList = document.getElementById("error-summary-list");
const submitButton = document.getElementById("submit");
const formError = document.getElementById("form-error");
const contactHint = document.getElementById("contact-hint");
const signatureField = document.getElementById("signature-field");
const countrySelect = document.getElementById("country");
const picturesInput = document.getElementById("pictures");
const hashesStatus = document.getElementById("hashes-status");

/** Field name -> {input to focus, error element, elements that get aria-invalid}. */
const FIELDS = {
  reason: { focus: "reason-intimate", error: "reason-error", inputs: "input[name=reason]" },
  reporter_role: {
    focus: "role-depicted",
    error: "role-error",
    inputs: "input[name=reporter_role]",
  },
  content_urls: { focus: "content-urls", error: "content-urls-error", inputs: "#content-urls" },
  explanation: { focus: "explanation", error: "explanation-error", inputs: "#explanation" },
  name: { focus: "name", error: "name-error", inputs: "#name" },
  email: { focus: "email", error: "email-error", inputs: "#email" },
  signature: { focus: "signature", error: "signature-error", inputs: "#signature" },
  good_faith: { focus: "good-faith", error: "good-faith-error", inputs: "#good-faith" },
};

/** Current errors: [{field, key}] (translated on display) or [{field, text}] (from the server). */
let errors = [];
/** Fingerprints made on this device: [{signal_type, value, quality?}]. */
let hashes = [];
let hashingState = { state: "idle", count: 0, failed: 0 };
/** The last successful answer, kept to redraw the receipt on a language change. */
let receipt = null;
let supportResources = null;

function checkedValue(name) {
  const checked = form.querySelector(`input[name=${name}]:checked`);
  return checked ? checked.value : null;
}

function readForm() {
  const reason = checkedValue("reason");
  const text = (id) => document.getElementById(id).value.trim();
  return {
    reason,
    reporter_role: checkedValue("reporter_role"),
    content_urls: document
      .getElementById("content-urls")
      .value.split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean),
    explanation: text("explanation"),
    name: text("name") || null,
    email: text("email") || null,
    country: countrySelect.value || null,
    language: language(),
    good_faith: document.getElementById("good-faith").checked,
    signature: needsSignature() ? text("signature") || null : null,
    hashes: reason === ANONYMOUS_REASON ? [] : hashes.slice(),
  };
}

function needsSignature() {
  const reason = checkedValue("reason");
  const role = checkedValue("reporter_role");
  return SIGNATURE_REASONS.has(reason) && role !== null && role !== "third_party";
}

function isAnonymousAllowed() {
  return checkedValue("reason") === ANONYMOUS_REASON;
}

/** Shows only the questions that apply to the answers so far. */
function updateConditionalFields() {
  signatureField.hidden = !needsSignature();
  const anonymous = isAnonymousAllowed();
  // Child abuse material: no fingerprints from this device (nobody should keep
  // such a picture to fingerprint it), and a plain warning not to copy it.
  document.getElementById("csam-note").hidden = !anonymous;
  document.getElementById("hashes-group").hidden = anonymous;
  contactHint.textContent = t(anonymous ? "contact_hint_anonymous" : "contact_hint_required");
  for (const marker of document.querySelectorAll(".contact-marker")) {
    marker.textContent = t(anonymous ? "optional" : "required");
    marker.className = `${anonymous ? "opt" : "req"} contact-marker`;
  }
  for (const id of ["name", "email"]) {
    document.getElementById(id).setAttribute("aria-required", String(!anonymous));
  }
}

function validate(report) {
  const found = [];
  if (!report.reason) found.push({ field: "reason", key: "err_reason" });
  if (!report.reporter_role) found.push({ field: "reporter_role", key: "err_role" });
  if (report.content_urls.length === 0) {
    found.push({ field: "content_urls", key: "err_urls_missing" });
  } else if (report.content_urls.length > MAX_URLS) {
    found.push({ field: "content_urls", key: "err_urls_too_many" });
  }
  if (!report.explanation) {
    found.push({ field: "explanation", key: "err_explanation_missing" });
  } else if (report.explanation.length > MAX_EXPLANATION) {
    found.push({ field: "explanation", key: "err_explanation_long" });
  }
  const anonymous = report.reason === ANONYMOUS_REASON;
  if (!anonymous && !report.name) found.push({ field: "name", key: "err_name" });
  if ((!anonymous && !report.email) || (report.email && !EMAIL_PATTERN.test(report.email))) {
    found.push({ field: "email", key: "err_email" });
  }
  if (needsSignature() && !report.signature) {
    found.push({ field: "signature", key: "err_signature" });
  }
  if (!report.good_faith) found.push({ field: "good_faith", key: "err_goodfaith" });
  return found;
}

function errorText(error) {
  return error.key ? t(error.key) : error.text;
}

/** Draws ``errors`` at their fields and in the summary (or clears them all). */
function renderErrors() {
  for (const [name, field] of Object.entries(FIELDS)) {
    const message = errors.filter((error) => error.field === name).map(errorText).join(" ");
    const element = document.getElementById(field.error);
    element.textContent = message;
    element.hidden = !message;
    for (const input of form.querySelectorAll(field.inputs)) {
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }
  summaryList.replaceChildren();
  for (const error of errors) {
    const field = FIELDS[error.field];
    const item = document.createElement("li");
    if (field) {
      const link = document.createElement("a");
      link.href = `#${field.focus}`;
      link.textContent = errorText(error);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        const target = document.getElementById(field.focus);
        target.focus();
        target.scrollIntoView({ block: "center" });
      });
      item.append(link);
    } else {
      item.textContent = errorText(error);
    }
    summaryList.append(item);
  }
  summary.hidden = errors.length === 0;
}

function showSummary() {
  renderErrors();
  summary.focus();
  summary.scrollIntoView({ block: "start" });
}

/** Maps the service's field errors (problem+json) onto the form. */
function serverErrors(response) {
  const known = [];
  for (const { field, message } of problemFieldErrors(response.body)) {
    const name = field.split(/[.[]/)[0];
    known.push({ field: name in FIELDS ? name : "form", text: message || describeProblem(response) });
  }
  if (known.length === 0) {
    known.push({ field: "form", text: `${t("err_server")} ${describeProblem(response)}` });
  }
  return known;
}

async function onSubmit(event) {
  event.preventDefault();
  formError.hidden = true;
  const report = readForm();
  errors = validate(report);
  if (errors.length > 0) {
    showSummary();
    return;
  }
  renderErrors();
  submitButton.disabled = true;
  submitButton.textContent = t("sending");
  form.setAttribute("aria-busy", "true");
  try {
    const body = { ...report };
    if (body.hashes.length === 0) delete body.hashes;
    const response = await requestJson("/v1/reports", body);
    if (response.ok && response.body && response.body.case_number) {
      showReceipt(response.body, report.country);
      return;
    }
    errors = serverErrors(response);
    showSummary();
  } catch {
    formError.textContent = t("err_network");
    formError.hidden = false;
  } finally {
    submitButton.disabled = false;
    submitButton.textContent = t("submit");
    form.removeAttribute("aria-busy");
  }
}

/** Which sentence describes a deadline, from its key (e.g. "acknowledge_by", "inaccessible_by"). */
function deadlineLabel(key) {
  const k = key.toLowerCase();
  if (k.includes("ack")) return t("deadline_acknowledge");
  if (k.includes("status") || k.includes("assess")) return t("deadline_status");
  if (k.includes("inaccessib") || k.includes("hide")) return t("deadline_inaccessible");
  if (k.includes("remov") || k.includes("decid") || k.includes("decision")) {
    return t("deadline_decision");
  }
  return `${t("deadline_other")} (${key.replace(/_/g, " ")})`;
}

function deadlineTime(value) {
  if (value && typeof value === "object") return value.due_at || value.at || value.deadline || "";
  return value;
}

function renderReceipt() {
  if (!receipt) return;
  document.getElementById("receipt-case-number").textContent = receipt.case_number;
  document.getElementById("receipt-pin").textContent = receipt.pin || "";
  const next = document.getElementById("receipt-next");
  next.replaceChildren();
  const steps = [receipt.fast_tracked ? "next_hidden" : null, "next_review", "next_status"];
  for (const key of steps.filter(Boolean)) {
    const item = document.createElement("li");
    item.textContent = t(key);
    next.append(item);
  }
  const deadlines = document.getElementById("receipt-deadlines");
  deadlines.replaceChildren();
  const entries = Object.entries(receipt.deadlines || {})
    .map(([key, value]) => [key, deadlineTime(value)])
    .filter(([, when]) => when)
    // Acknowledging is done by the time the receipt shows: list only what is still to come.
    .filter(([key]) => !(receipt.acknowledged_at && key.toLowerCase().includes("ack")))
    .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
  for (const [key, when] of entries) {
    const item = document.createElement("li");
    const time = document.createElement("time");
    time.dateTime = String(when);
    time.textContent = formatTime(when);
    item.append(`${deadlineLabel(key)} `, time);
    deadlines.append(item);
  }
  const support = document.getElementById("receipt-support");
  const resources = supportResources || [];
  renderSupport(support, resources);
  document.getElementById("receipt-support-none").hidden = resources.length > 0;
}

async function showReceipt(answer, country) {
  receipt = answer;
  supportResources = Array.isArray(answer.support) ? answer.support : null;
  form.hidden = true;
  const section = document.getElementById("receipt");
  section.hidden = false;
  renderReceipt();
  document.getElementById("receipt-title").focus();
  if (supportResources === null) {
    try {
      const query = country ? `?country=${encodeURIComponent(country)}` : "";
      const response = await requestJson(`/v1/support${query}`);
      const body = response.ok ? response.body : null;
      supportResources = Array.isArray(body) ? body : (body && body.resources) || [];
    } catch {
      supportResources = [];
    }
    renderReceipt();
  }
}

// --- fingerprints made on this device ---

function renderHashingState() {
  const { state, count, failed } = hashingState;
  let text = "";
  if (state === "working") text = t("hashes_working");
  else if (state === "done") {
    text = t("hashes_ready", { n: count });
    if (failed > 0) text += ` ${t("hashes_failed")}`;
  }
  hashesStatus.textContent = text;
  hashesStatus.dataset.state = state;
}

async function onPicturesChosen() {
  const files = Array.from(picturesInput.files || []);
  hashes = [];
  hashingState = { state: files.length ? "working" : "idle", count: 0, failed: 0 };
  renderHashingState();
  const seen = new Set();
  const add = (entry) => {
    const key = `${entry.signal_type}:${entry.value}`;
    if (!seen.has(key)) {
      seen.add(key);
      hashes.push(entry);
    }
  };
  let failed = 0;
  for (const file of files) {
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      try {
        const pdq = await pdqFromBlob(file);
        add({ signal_type: "pdq", value: pdq.hash, quality: pdq.quality });
      } catch {
        // not a picture this browser can decode: the exact-copy fingerprint still helps
      }
      add({ signal_type: "md5", value: md5Hex(bytes) });
    } catch {
      failed += 1;
    }
  }
  if (files.length) hashingState = { state: "done", count: hashes.length, failed };
  renderHashingState();
}

// --- set-up ---

function fillCountries() {
  let names = null;
  try {
    names = new Intl.DisplayNames([language() === "zh" ? "zh-Hans" : language()], {
      type: "region",
    });
  } catch {
    names = null;
  }
  const chosen = countrySelect.value;
  const options = COUNTRIES.map((code) => ({ code, name: names ? names.of(code) : code }));
  options.sort((a, b) => a.name.localeCompare(b.name, language()));
  for (const option of countrySelect.querySelectorAll("option[data-country]")) option.remove();
  for (const { code, name } of options) {
    const option = document.createElement("option");
    option.value = code;
    option.dataset.country = "";
    option.textContent = name;
    countrySelect.append(option);
  }
  countrySelect.value = chosen;
}

function redraw() {
  fillCountries();
  updateConditionalFields();
  if (errors.length) renderErrors();
  renderHashingState();
  submitButton.textContent = t(submitButton.disabled ? "sending" : "submit");
  renderReceipt();
}

setUpLanguages();
onLanguageChange(redraw);
redraw();
form.addEventListener("change", (event) => {
  if (event.target.name === "reason" || event.target.name === "reporter_role") {
    updateConditionalFields();
  }
});
picturesInput.addEventListener("change", onPicturesChosen);
form.addEventListener("submit", onSubmit);
form.dataset.ready = "true";
