// The survivor hashing page: fingerprints pictures on this device and sends
// only the fingerprints.
//
// Privacy rules this file keeps:
// - picture bytes are read only into memory here, to compute PDQ, MD5 and
//   SHA-256; they are never put in a request, a URL, storage or the DOM;
// - no preview is shown (the pictures may be intimate; nobody needs to see
//   them again to make a fingerprint);
// - the only request is the POST of the fingerprints, and only when the
//   person presses "Send fingerprints".

import { PDQ_MIN_QUALITY, pdqFromBlob } from "./pdq.js";
import { md5Hex, sha256Hex } from "./md5.js";

const DEFAULT_SUBMIT_URL = "/v1/survivor/hashes";

const form = document.getElementById("hash-form");
const input = document.getElementById("pictures");
const progress = document.getElementById("progress");
const resultsSection = document.getElementById("results-section");
const resultsList = document.getElementById("results");
const sendButton = document.getElementById("send");
const outcome = document.getElementById("outcome");

/** Fingerprints of the current selection, one entry per file, in order. */
let fingerprints = [];
/** Increases with each new selection, so a slow earlier run cannot overwrite a newer one. */
let selectionGeneration = 0;

/** Lets the browser repaint between files, so the page stays responsive. */
const nextFrame = () => new Promise((resolve) => setTimeout(resolve, 0));

function describeCount(count) {
  return count === 1 ? "1 picture" : `${count} pictures`;
}

/** Appends a term/definition pair to a <dl>. */
function addDetail(list, term, value, className) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = value;
  if (className) dd.className = className;
  list.append(dt, dd);
}

function renderPending(file) {
  const item = document.createElement("li");
  item.className = "result";
  item.dataset.status = "working";
  item.dataset.name = file.name;
  const name = document.createElement("p");
  name.className = "file-name";
  name.textContent = file.name;
  const state = document.createElement("p");
  state.className = "state";
  state.textContent = "Working…";
  item.append(name, state);
  resultsList.append(item);
  return item;
}

function renderDone(item, fingerprint) {
  item.querySelector(".state").remove();
  const details = document.createElement("dl");
  if (fingerprint.pdq) {
    addDetail(details, "Picture fingerprint (PDQ)", fingerprint.pdq, "hash");
    addDetail(details, "Detail score", `${fingerprint.quality} out of 100`);
  }
  addDetail(details, "Exact-copy fingerprint (MD5)", fingerprint.md5, "hash");
  item.append(details);

  if (fingerprint.pdq && fingerprint.quality < PDQ_MIN_QUALITY) {
    item.dataset.lowQuality = "true";
    const warning = document.createElement("p");
    warning.className = "warning";
    warning.textContent =
      "This picture is too plain to fingerprint reliably. Its picture fingerprint may " +
      "not find copies, but its exact-copy fingerprint still will.";
    item.append(warning);
  }
  if (!fingerprint.pdq) {
    const warning = document.createElement("p");
    warning.className = "warning";
    warning.textContent =
      "This file could not be opened as a picture, so only its exact-copy fingerprint " +
      "was made. That finds identical copies of this file only.";
    item.append(warning);
  }
  if (fingerprint.scaledDown) {
    const note = document.createElement("p");
    note.className = "note";
    note.textContent =
      "This picture is very large, so its picture fingerprint was made from a smaller " +
      "copy. It will still find copies of the picture.";
    item.append(note);
  }
  item.dataset.md5 = fingerprint.md5;
  item.dataset.hashedIn = fingerprint.hashedIn;
  if (fingerprint.pdq) {
    item.dataset.pdq = fingerprint.pdq;
    item.dataset.quality = String(fingerprint.quality);
  }
  item.dataset.status = "done";
}

function renderFailed(item, message) {
  item.querySelector(".state").remove();
  const error = document.createElement("p");
  error.className = "error";
  error.textContent = message;
  item.append(error);
  item.dataset.status = "error";
}

/** Fingerprints one file on this thread. PDQ is null if the file is not a readable picture. */
async function fingerprintHere(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const fingerprint = {
    md5: md5Hex(bytes),
    sha256: await sha256Hex(bytes),
    pdq: null,
    quality: null,
    scaledDown: false,
  };
  try {
    const pdq = await pdqFromBlob(file);
    Object.assign(fingerprint, { pdq: pdq.hash, quality: pdq.quality, scaledDown: pdq.scaledDown });
  } catch {
    // Not decodable as a picture here: keep the exact-copy fingerprint only.
  }
  return fingerprint;
}

/**
 * Hashing runs in a module worker when the browser allows it, so a large
 * photo does not freeze the page; otherwise on this thread.
 */
const worker = (() => {
  try {
    return new Worker(new URL("./hash-worker.js", import.meta.url), { type: "module" });
  } catch {
    return null;
  }
})();
let workerBroken = worker === null;
/** Requests sent to the worker and not yet answered, by id. */
const pending = new Map();
let nextRequestId = 0;

if (worker) {
  worker.addEventListener("message", (event) => {
    const request = pending.get(event.data.id);
    if (!request) return;
    pending.delete(event.data.id);
    if (event.data.ok) request.resolve(event.data.result);
    else request.reject(new Error(event.data.message));
  });
  // A worker that cannot load (old browser, blocked script) fails every request
  // it holds; later files are hashed on this thread.
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    workerBroken = true;
    for (const request of pending.values()) request.reject(new Error("worker failed"));
    pending.clear();
  });
}

function fingerprintInWorker(file) {
  return new Promise((resolve, reject) => {
    const id = ++nextRequestId;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, file });
  });
}

async function fingerprintFile(file) {
  let fingerprint = null;
  let hashedIn = "worker";
  if (!workerBroken) {
    try {
      fingerprint = await fingerprintInWorker(file);
    } catch {
      fingerprint = null; // fall back to this thread below
    }
  }
  if (fingerprint === null) {
    hashedIn = "page";
    fingerprint = await fingerprintHere(file);
  } else if (fingerprint.pdqUnavailable) {
    hashedIn = "page";
    // The worker could make the MD5 but cannot decode pictures in this browser.
    const here = await fingerprintHere(file);
    Object.assign(fingerprint, { pdq: here.pdq, quality: here.quality, scaledDown: here.scaledDown });
  }
  return {
    name: file.name,
    pdq: fingerprint.pdq,
    quality: fingerprint.quality,
    md5: fingerprint.md5,
    sha256: fingerprint.sha256,
    scaledDown: fingerprint.scaledDown,
    hashedIn,
  };
}

async function onFilesChosen() {
  const files = Array.from(input.files || []);
  const generation = ++selectionGeneration;
  fingerprints = [];
  resultsList.replaceChildren();
  outcome.replaceChildren();
  delete form.dataset.submitState;
  sendButton.disabled = true;
  resultsSection.hidden = files.length === 0;
  if (files.length === 0) {
    progress.textContent = "";
    form.dataset.state = "empty";
    return;
  }
  form.dataset.state = "working";
  progress.textContent = `Making fingerprints of ${describeCount(files.length)} on this device…`;

  for (const file of files) {
    const item = renderPending(file);
    await nextFrame();
    try {
      const fingerprint = await fingerprintFile(file);
      if (generation !== selectionGeneration) return;
      fingerprints.push(fingerprint);
      renderDone(item, fingerprint);
    } catch (error) {
      if (generation !== selectionGeneration) return;
      renderFailed(item, `This file could not be read (${error && error.message ? error.message : error}).`);
    }
  }

  const made = fingerprints.length;
  progress.textContent =
    made === files.length
      ? `Fingerprints ready for ${describeCount(made)}. Nothing has been sent yet.`
      : `Fingerprints ready for ${made} of ${describeCount(files.length)}. Nothing has been sent yet.`;
  sendButton.disabled = made === 0;
  form.dataset.state = "ready";
}

/** The request body: each distinct fingerprint once. */
function buildPayload() {
  const hashes = [];
  const seen = new Set();
  const add = (entry) => {
    const key = `${entry.signal_type}:${entry.value}`;
    if (!seen.has(key)) {
      seen.add(key);
      hashes.push(entry);
    }
  };
  for (const fingerprint of fingerprints) {
    if (fingerprint.pdq) {
      add({ signal_type: "pdq", value: fingerprint.pdq, quality: fingerprint.quality });
    }
    add({ signal_type: "md5", value: fingerprint.md5 });
  }
  return { hashes };
}

/** Turns a response body into a sentence a person can read. */
function describeResponse(response, body) {
  if (body && typeof body === "object") {
    if (!response.ok && (body.detail || body.title)) {
      return [body.title, body.detail].filter(Boolean).join(": ");
    }
    if (response.ok && body.message) return String(body.message);
  }
  return response.ok ? "" : `The service answered with status ${response.status}.`;
}

async function onSubmit(event) {
  event.preventDefault();
  if (fingerprints.length === 0) return;
  const url = form.dataset.submitUrl || DEFAULT_SUBMIT_URL;
  sendButton.disabled = true;
  form.dataset.submitState = "sending";
  outcome.textContent = "Sending fingerprints…";
  let message;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json, application/problem+json",
      },
      body: JSON.stringify(buildPayload()),
      credentials: "same-origin",
      referrerPolicy: "no-referrer",
    });
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    const said = describeResponse(response, body);
    if (response.ok) {
      form.dataset.submitState = "sent";
      message = `Fingerprints sent. ${said}`.trim();
    } else {
      form.dataset.submitState = "failed";
      message = `The fingerprints were not accepted. ${said} Your pictures stayed on this device.`;
    }
    form.dataset.responseStatus = String(response.status);
    renderOutcome(message, body);
  } catch (error) {
    form.dataset.submitState = "failed";
    renderOutcome(
      "The fingerprints could not be sent: the service could not be reached. " +
        "Check your connection and try again. Your pictures stayed on this device.",
      null,
    );
  } finally {
    sendButton.disabled = fingerprints.length === 0;
  }
}

function renderOutcome(message, body) {
  outcome.replaceChildren();
  const text = document.createElement("p");
  text.textContent = message;
  outcome.append(text);
  if (body && typeof body === "object") {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "What the service answered";
    const pre = document.createElement("pre");
    pre.textContent = JSON.stringify(body, null, 2);
    details.append(summary, pre);
    outcome.append(details);
  }
}

input.addEventListener("change", onFilesChosen);
form.addEventListener("submit", onSubmit);
form.dataset.state = "empty";
