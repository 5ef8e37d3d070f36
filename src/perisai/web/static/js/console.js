// The moderation console (/console).
//
// - The API key is kept in sessionStorage only (this tab, forgotten on close)
//   and sent as a Bearer header; nothing else is stored.
// - What a role cannot do is hidden or disabled here; the server enforces the
//   same rules, so this is only to spare reviewers dead ends.
// - Reviewer wellness: media is fetched with the key, shown blurred and in
//   greyscale, and revealed one item at a time. Child-safety cases show no
//   media at all: reviewers use the CyberTip package, which holds none.

const KEY_STORAGE = "perisai.console.apiKey";
const SEVERITY_RANK = { critical: 0, high: 1, medium: 2, low: 3 };
const CHILD_SAFETY_REASON = "child_sexual_abuse";
/** Roles that may use the console, and what each may do. */
const CAPABILITIES = {
  triage: { hide: true, decide: false, note: true, appeal: false, cybertip: false, media: false },
  moderator: { hide: true, decide: true, note: true, appeal: true, cybertip: true, media: true },
  admin: { hide: true, decide: true, note: true, appeal: true, cybertip: true, media: true },
  auditor: { hide: false, decide: false, note: false, appeal: false, cybertip: false, media: false },
};
const REASON_LABELS = {
  intimate_image_of_me: "Intimate image shared without consent",
  sexual_deepfake_of_me: "Sexual deepfake of the reporter",
  child_sexual_abuse: "Child sexual abuse material",
  other: "Other",
};

const $ = (id) => document.getElementById(id);

const state = {
  key: null,
  session: null,
  queue: "open",
  cases: [],
  index: -1,
  current: null,
  loading: null,
  mediaUrls: [],
  revealAll: false,
};

// --- talking to the API ---

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, { method = "GET", body, raw = false } = {}) {
  const headers = { Authorization: `Bearer ${state.key}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (!raw) headers.Accept = "application/json, application/problem+json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    referrerPolicy: "no-referrer",
    cache: "no-store",
  });
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      const problem = await response.json();
      message = [problem.title, problem.detail].filter(Boolean).join(": ") || message;
      if (Array.isArray(problem.errors) && problem.errors.length) {
        message += ` (${problem.errors.map((e) => `${e.field}: ${e.message}`).join("; ")})`;
      }
    } catch {
      // not JSON: keep the status
    }
    throw new ApiError(response.status, message);
  }
  if (raw) return response.blob();
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

function can(capability) {
  const role = state.session ? state.session.role : null;
  return Boolean(role && CAPABILITIES[role] && CAPABILITIES[role][capability]);
}

// --- small rendering helpers ---

function element(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "className") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

function formatTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function relative(iso) {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return "";
  const minutes = Math.round((date.getTime() - Date.now()) / 60000);
  const abs = Math.abs(minutes);
  const amount = abs >= 1440 ? `${Math.round(abs / 1440)} d` : abs >= 60 ? `${Math.round(abs / 60)} h` : `${abs} min`;
  return minutes >= 0 ? `in ${amount}` : `${amount} ago`;
}

/** Clocks as a list, whether the API gives a list or a {name: clock} object. */
function clocksOf(entry) {
  const clocks = entry.clocks;
  if (Array.isArray(clocks)) return clocks;
  if (clocks && typeof clocks === "object") {
    return Object.entries(clocks).map(([name, clock]) => ({ name, ...clock }));
  }
  return [];
}

function listOf(body, ...names) {
  if (Array.isArray(body)) return body;
  for (const name of names) if (body && Array.isArray(body[name])) return body[name];
  return [];
}

/** The case's next deadline (ISO) and whether it is due soon or breached. */
function deadlineOf(entry) {
  const clocks = clocksOf(entry);
  const open = clocks.filter((c) => !c.met_at && (c.due_at || c.deadline));
  const due =
    entry.next_deadline_at || entry.next_deadline || entry.deadline || entry.due_at ||
    (open.length ? open.map((c) => c.due_at || c.deadline).sort()[0] : null);
  const breached = Boolean(
    entry.breached || clocks.some((c) => c.breached || c.state === "breached"),
  );
  const dueSoon = Boolean(
    entry.due_soon || clocks.some((c) => c.due_soon || c.state === "due_soon"),
  );
  return { due, breached, dueSoon };
}

function severityOf(entry) {
  return String(entry.severity || (entry.reason === CHILD_SAFETY_REASON ? "critical" : "high"));
}

function isChildSafety(entry) {
  return (
    entry.reason === CHILD_SAFETY_REASON ||
    entry.queue === "child_safety" ||
    entry.child_safety === true ||
    (entry.report && entry.report.reason === CHILD_SAFETY_REASON)
  );
}

function markers(entry) {
  const { breached, dueSoon } = deadlineOf(entry);
  const out = [];
  if (breached) out.push(element("span", { className: "marker breached" }, "Breached"));
  else if (dueSoon) out.push(element("span", { className: "marker due-soon" }, "Due soon"));
  if (isChildSafety(entry)) out.push(element("span", { className: "marker child" }, "Child safety"));
  return out;
}

// --- sign in ---

async function signIn(key) {
  state.key = key;
  try {
    const session = await api("/console/session");
    if (!CAPABILITIES[session.role]) {
      throw new ApiError(403, `A ${session.role} key cannot use the console.`);
    }
    state.session = session;
    sessionStorage.setItem(KEY_STORAGE, key);
    return true;
  } catch (error) {
    state.key = null;
    state.session = null;
    sessionStorage.removeItem(KEY_STORAGE);
    const message =
      error instanceof ApiError && error.status === 401
        ? "This API key is not valid or has been revoked."
        : error.message || "The service could not be reached.";
    const box = $("login-error");
    box.textContent = message;
    box.hidden = false;
    $("api-key").setAttribute("aria-invalid", "true");
    return false;
  }
}

function signOut() {
  sessionStorage.removeItem(KEY_STORAGE);
  for (const url of state.mediaUrls) URL.revokeObjectURL(url);
  window.location.reload();
}

async function enterWorkspace() {
  $("login").hidden = true;
  $("workspace").hidden = false;
  $("sign-out").hidden = false;
  const info = $("session-info");
  info.hidden = false;
  info.textContent = `Signed in as ${state.session.name} (${state.session.role})`;
  document.body.dataset.role = state.session.role;
  applyRole();
  await loadCategories();
  await loadQueue(state.queue);
}

/** Hides or disables what the signed-in role cannot do. */
function applyRole() {
  $("decision-block").hidden = !can("hide") && !can("decide");
  for (const option of $("decision-action").options) {
    const allowed = option.dataset.role === "triage" ? can("hide") : can("decide");
    option.disabled = !allowed;
    option.hidden = !allowed;
  }
  const firstAllowed = Array.from($("decision-action").options).find((o) => !o.disabled);
  if (firstAllowed) $("decision-action").value = firstAllowed.value;
  $("note-form").hidden = !can("note");
}

async function loadCategories() {
  const select = $("decision-category");
  select.replaceChildren();
  try {
    const policy = await api("/v1/policy");
    const categories = (policy && policy.categories) || {};
    for (const [id, category] of Object.entries(categories)) {
      select.append(element("option", { value: id }, `${category.title || id} (${id})`));
    }
  } catch {
    select.append(element("option", { value: "" }, "Policy not readable with this key"));
    select.disabled = true;
  }
}

// --- queue ---

function selectTab(queue, focus) {
  for (const tab of document.querySelectorAll("#queue-tabs [role=tab]")) {
    const selected = tab.dataset.queue === queue;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected && focus) tab.focus();
  }
  $("queue-panel").setAttribute("aria-labelledby", `tab-${queue}`);
}

function sortCases(cases) {
  return cases.slice().sort((a, b) => {
    const severity = (SEVERITY_RANK[severityOf(a)] ?? 9) - (SEVERITY_RANK[severityOf(b)] ?? 9);
    if (severity) return severity;
    const da = deadlineOf(a).due || "9999";
    const db = deadlineOf(b).due || "9999";
    return String(da).localeCompare(String(db));
  });
}

async function loadQueue(queue) {
  state.queue = queue;
  selectTab(queue, false);
  const status = $("queue-status");
  status.textContent = "Loading…";
  try {
    const body = await api(`/v1/cases?queue=${encodeURIComponent(queue)}&sort=deadline`);
    state.cases = sortCases(listOf(body, "cases", "items", "results"));
  } catch (error) {
    state.cases = [];
    status.textContent = `The queue could not be loaded: ${error.message}`;
    renderQueue();
    return;
  }
  status.textContent = state.cases.length
    ? `${state.cases.length} case${state.cases.length === 1 ? "" : "s"}, most severe and most urgent first.`
    : "No cases in this queue.";
  renderQueue();
}

function renderQueue() {
  const list = $("queue-list");
  list.replaceChildren();
  state.cases.forEach((entry, index) => {
    const { due } = deadlineOf(entry);
    const button = element(
      "button",
      {
        type: "button",
        className: "queue-item",
        "aria-current": index === state.index ? "true" : null,
        dataset: { caseNumber: entry.case_number },
        onclick: () => openCase(index),
      },
      element("span", { className: "case-number" }, entry.case_number),
      element("span", { className: `severity severity-${severityOf(entry)}` }, severityOf(entry)),
      element("span", { className: "reason" }, REASON_LABELS[entry.reason] || entry.reason || ""),
      element("span", { className: "due" }, due ? `due ${relative(due)}` : ""),
      markers(entry),
    );
    list.append(element("li", {}, button));
  });
}

// --- case view ---

function clearMedia() {
  for (const url of state.mediaUrls) URL.revokeObjectURL(url);
  state.mediaUrls = [];
  state.revealAll = false;
}

async function openCase(index, { focus = true } = {}) {
  if (index < 0 || index >= state.cases.length) return;
  state.index = index;
  renderQueue();
  const summary = state.cases[index];
  const caseNumber = summary.case_number;
  $("case-result").textContent = "";
  // The section may still show an earlier state of this case: it is busy until the new
  // one is drawn, and only the latest of overlapping loads is drawn.
  const section = $("case");
  const load = {};
  state.loading = load;
  section.setAttribute("aria-busy", "true");
  let detail;
  try {
    detail = await api(`/v1/cases/${encodeURIComponent(caseNumber)}`);
  } catch (error) {
    if (state.loading !== load) return;
    $("case-result").textContent = `The case could not be loaded: ${error.message}`;
    section.removeAttribute("aria-busy");
    return;
  }
  if (state.loading !== load) return;
  state.current = { ...summary, ...detail, case_number: caseNumber };
  renderCase();
  section.removeAttribute("aria-busy");
  if (focus) $("case-title").focus();
}

function fact(list, term, value) {
  if (value === undefined || value === null || value === "") return;
  const shown = Array.isArray(value) ? value.join("\n") : typeof value === "object" ? JSON.stringify(value) : String(value);
  list.append(element("dt", {}, term), element("dd", {}, shown));
}

function renderCase() {
  const entry = state.current;
  clearMedia();
  const section = $("case");
  section.hidden = false;
  section.dataset.caseNumber = entry.case_number;
  section.dataset.status = entry.status || "";
  $("case-title").textContent = `Case ${entry.case_number}`;
  const badges = $("case-badges");
  badges.replaceChildren(
    element("span", { className: `severity severity-${severityOf(entry)}` }, severityOf(entry)),
    element("span", { className: "status" }, `status: ${entry.status || "unknown"}`),
    ...markers(entry),
  );

  // The case view gives the report's facts partly at the top level and partly
  // under "report" (minimised: whether contact was given, not the contact).
  const report = { ...entry, ...(entry.report || {}) };
  const yesNo = (value) => (value === undefined || value === null ? undefined : value ? "yes" : "no");
  const facts = $("case-report");
  facts.replaceChildren();
  fact(facts, "Reason", REASON_LABELS[report.reason] || report.reason);
  fact(facts, "Source", report.source);
  fact(facts, "Reporter", report.reporter_role);
  const locations = listOf(entry.items).filter((i) => (i.role || "reported") === "reported").map((i) => i.location || i.item_id);
  fact(facts, "Content", report.content_urls || locations);
  fact(facts, "Explanation", report.explanation);
  fact(facts, "Country", report.country);
  fact(facts, "Jurisdiction", report.jurisdiction);
  fact(facts, "Language", report.language);
  if (report.name || report.email) fact(facts, "Contact", [report.name, report.email].filter(Boolean).join(" · "));
  else fact(facts, "Contact given", yesNo(report.contact_given));
  fact(facts, "Signed", report.signature || yesNo(report.signed));
  fact(facts, "Good-faith statement", report.good_faith === undefined ? undefined : report.good_faith ? "given" : "missing");
  fact(facts, "Received", formatTime(report.created_at || entry.created_at));
  fact(facts, "Fast-tracked", yesNo(entry.fast_tracked));
  fact(facts, "Fast-track reason", entry.fast_track_reason);
  fact(facts, "Policy category", entry.policy_category);
  fact(facts, "Outcome", entry.outcome);
  fact(facts, "Decided by", entry.decided_by);

  const clocks = $("case-clocks");
  clocks.replaceChildren();
  for (const clock of clocksOf(entry)) {
    const due = clock.due_at || clock.deadline;
    const status = clock.met_at ? `met ${formatTime(clock.met_at)}` : clock.state || "";
    clocks.append(
      element(
        "li",
        { className: `clock ${clock.breached || clock.state === "breached" ? "breached" : ""}` },
        element("strong", {}, clock.name || clock.clock || "clock"),
        ` due ${formatTime(due)} (${relative(due)}) `,
        status ? element("span", { className: "clock-state" }, status) : null,
      ),
    );
  }

  renderItems(entry);

  const copies = $("case-copies");
  copies.replaceChildren();
  const found = entry.copies || entry.matches
    ? listOf(entry.copies || entry.matches)
    : listOf(entry.items).filter((i) => i.role === "match" || i.role === "copy");
  for (const copy of found) {
    const distance = copy.distance === undefined ? "" : `, PDQ distance ${copy.distance}`;
    copies.append(element("li", {}, `${copy.item_id || copy.id}${distance}${copy.state ? ` — ${copy.state}` : ""}`));
  }
  if (!found.length) copies.append(element("li", {}, "None found."));

  $("cybertip-block").hidden = !(isChildSafety(entry) && can("cybertip"));
  $("cybertip-package").hidden = true;
  $("cybertip-package").textContent = "";

  const appeal = entry.appeal || listOf(entry.appeals).find((a) => a.status === "open");
  const appealOpen = Boolean(appeal) && entry.status === "appealed";
  $("appeal-block").hidden = !appealOpen || !can("appeal");
  $("appeal-text").textContent = appealOpen
    ? `Appeal by ${appeal.appellant || "someone"}: “${appeal.explanation || ""}”`
    : "";
  // The server refuses an appeal decision by the moderator who decided the case.
  const me = state.session ? [state.session.name, state.session.key_id, `key:${state.session.key_id}`] : [];
  const decidedByMe = Boolean(entry.decided_by) && me.includes(entry.decided_by);
  $("appeal-submit").disabled = decidedByMe;
  $("appeal-hint").textContent = decidedByMe
    ? "You made the decision under appeal, so another moderator must decide it."
    : "A moderator other than the one who made the original decision must decide the appeal.";

  const notes = $("case-notes");
  notes.replaceChildren();
  for (const note of listOf(entry.notes)) {
    notes.append(element("li", {}, element("strong", {}, `${note.author || note.actor || ""} ${formatTime(note.at || note.created_at)}: `), note.text || note.note || ""));
  }

  const history = $("case-history");
  history.replaceChildren();
  for (const event of listOf(entry.history || entry.events)) {
    const who = event.actor || event.author || "";
    const what = event.event || event.kind || event.action || "";
    const why = event.reason || event.detail || "";
    history.append(element("li", {}, `${formatTime(event.at || event.created_at)} — ${what}${who ? ` by ${who}` : ""}${why ? `: ${why}` : ""}`));
  }
}

function renderItems(entry) {
  const list = $("case-items");
  list.replaceChildren();
  const items = listOf(entry.items);
  const childSafety = isChildSafety(entry);
  for (const item of items) {
    const itemId = item.item_id || item.id;
    const role = item.role && item.role !== "reported" ? ` (${item.role}${item.distance === null || item.distance === undefined ? "" : `, distance ${item.distance}`})` : "";
    const info = element("p", { className: "item-info" }, `${itemId}${role}${item.state ? ` — ${item.state}` : ""}${item.account ? ` — uploaded by ${item.account}` : ""}`);
    if (childSafety || !can("media")) {
      const why = childSafety
        ? "Media is not shown for child-safety cases."
        : "Viewing media needs a moderator key.";
      list.append(element("li", { className: "item", dataset: { itemId } }, info, element("p", { className: "hint" }, why)));
      continue;
    }
    const figure = element("figure", { className: "media-frame" });
    const image = element("img", { className: "media", alt: `Item ${itemId}, blurred` });
    const reveal = element("button", { type: "button", className: "reveal", "aria-pressed": "false", dataset: { itemId } }, "Reveal");
    reveal.addEventListener("click", () => setRevealed(figure, reveal, image, itemId, !figure.classList.contains("revealed")));
    figure.append(image);
    list.append(element("li", { className: "item", dataset: { itemId } }, info, figure, reveal));
    api(`/v1/cases/${encodeURIComponent(entry.case_number)}/media/${encodeURIComponent(itemId)}`, { raw: true })
      .then(async (blob) => {
        // Served as octet-stream (never rendered by navigation): label it with
        // the image type its first bytes show, for the <img> only.
        const url = URL.createObjectURL(new Blob([blob], { type: await sniffImageType(blob) }));
        state.mediaUrls.push(url);
        image.src = url;
      })
      .catch((error) => {
        image.remove();
        figure.append(element("figcaption", {}, `Media unavailable: ${error.message}`));
      });
  }
  if (!items.length) list.append(element("li", {}, "No items."));
}

const IMAGE_SIGNATURES = [
  ["image/jpeg", [0xff, 0xd8, 0xff]],
  ["image/png", [0x89, 0x50, 0x4e, 0x47]],
  ["image/gif", [0x47, 0x49, 0x46, 0x38]],
  ["image/webp", [0x52, 0x49, 0x46, 0x46]],
  ["image/bmp", [0x42, 0x4d]],
];

async function sniffImageType(blob) {
  const head = new Uint8Array(await blob.slice(0, 8).arrayBuffer());
  for (const [type, magic] of IMAGE_SIGNATURES) {
    if (magic.every((byte, i) => head[i] === byte)) return type;
  }
  return "application/octet-stream";
}

function setRevealed(figure, button, image, itemId, revealed) {
  figure.classList.toggle("revealed", revealed);
  button.setAttribute("aria-pressed", String(revealed));
  button.textContent = revealed ? "Blur again" : "Reveal";
  image.alt = `Item ${itemId}, ${revealed ? "shown" : "blurred"}`;
}

function toggleRevealAll() {
  state.revealAll = !state.revealAll;
  for (const item of document.querySelectorAll("#case-items .item")) {
    const figure = item.querySelector("figure");
    const button = item.querySelector("button.reveal");
    const image = item.querySelector("img");
    if (figure && button && image) setRevealed(figure, button, image, item.dataset.itemId, state.revealAll);
  }
}

// --- actions ---

function showError(id, message) {
  const box = $(id);
  box.textContent = message;
  box.hidden = !message;
}

async function refreshAfterAction(message) {
  const caseNumber = state.current.case_number;
  await loadQueue(state.queue);
  const index = state.cases.findIndex((c) => c.case_number === caseNumber);
  if (index >= 0) {
    await openCase(index, { focus: false });
  } else {
    const detail = await api(`/v1/cases/${encodeURIComponent(caseNumber)}`);
    state.current = { ...state.current, ...detail };
    renderCase();
  }
  $("case-result").textContent = message;
}

async function onDecision(event) {
  event.preventDefault();
  if (!state.current) return;
  const action = $("decision-action").value;
  const reason = $("decision-reason").value.trim();
  const category = $("decision-category").value;
  const needsCategory = ["remove", "restore", "dismiss"].includes(action);
  if (!reason || (needsCategory && !category)) {
    showError("decision-error", !reason ? "Give a reason: it goes into the statement of reasons." : "Choose a policy category.");
    $(!reason ? "decision-reason" : "decision-category").focus();
    return;
  }
  showError("decision-error", "");
  $("decision-submit").disabled = true;
  try {
    const body = { action, reason };
    if (category) body.policy_category = category;
    await api(`/v1/cases/${encodeURIComponent(state.current.case_number)}/actions`, { method: "POST", body });
    $("decision-reason").value = "";
    await refreshAfterAction(`Recorded: ${action}.`);
  } catch (error) {
    showError("decision-error", error.message);
  } finally {
    $("decision-submit").disabled = false;
  }
}

async function onNote(event) {
  event.preventDefault();
  if (!state.current) return;
  const note = $("note-text").value.trim();
  if (!note) {
    showError("note-error", "Write the note first.");
    $("note-text").focus();
    return;
  }
  showError("note-error", "");
  try {
    await api(`/v1/cases/${encodeURIComponent(state.current.case_number)}/actions`, {
      method: "POST",
      body: { action: "note", note },
    });
    $("note-text").value = "";
    await refreshAfterAction("Note added.");
  } catch (error) {
    showError("note-error", error.message);
  }
}

async function onAppealDecision(event) {
  event.preventDefault();
  if (!state.current) return;
  const chosen = document.querySelector("input[name=appeal-outcome]:checked");
  const reason = $("appeal-reason").value.trim();
  if (!chosen || !reason) {
    showError("appeal-error", !chosen ? "Choose uphold or overturn." : "Give a reason.");
    (chosen ? $("appeal-reason") : $("appeal-upheld")).focus();
    return;
  }
  showError("appeal-error", "");
  $("appeal-submit").disabled = true;
  try {
    await api(`/v1/cases/${encodeURIComponent(state.current.case_number)}/appeal-decision`, {
      method: "POST",
      body: { outcome: chosen.value, reason },
    });
    $("appeal-reason").value = "";
    chosen.checked = false;
    await refreshAfterAction(`Appeal ${chosen.value}.`);
  } catch (error) {
    showError("appeal-error", error.message);
  } finally {
    $("appeal-submit").disabled = false;
  }
}

async function onCybertip() {
  if (!state.current) return;
  const box = $("cybertip-package");
  try {
    const pack = await api(`/v1/cases/${encodeURIComponent(state.current.case_number)}/cybertip`);
    box.textContent = JSON.stringify(pack, null, 2);
  } catch (error) {
    box.textContent = `The package could not be loaded: ${error.message}`;
  }
  box.hidden = false;
  box.focus();
}

// --- keyboard ---

function typingIn(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
  if ($("help-dialog").open) return;
  if (event.key === "?") {
    event.preventDefault();
    $("help-dialog").showModal();
    return;
  }
  if (!state.session) return;
  switch (event.key) {
    case "j":
      event.preventDefault();
      openCase(Math.min(state.index + 1, state.cases.length - 1));
      break;
    case "k":
      event.preventDefault();
      openCase(Math.max(state.index - 1, 0));
      break;
    case "r":
      if (state.current) {
        event.preventDefault();
        toggleRevealAll();
      }
      break;
    case "d":
      if (state.current && !$("decision-block").hidden) {
        event.preventDefault();
        $("decision-action").focus();
      }
      break;
    case "n":
      if (state.current && !$("note-form").hidden) {
        event.preventDefault();
        $("note-text").focus();
      }
      break;
    default:
      break;
  }
}

function onTabKey(event) {
  const tabs = Array.from(document.querySelectorAll("#queue-tabs [role=tab]"));
  const at = tabs.indexOf(event.target);
  if (at < 0) return;
  let next = null;
  if (event.key === "ArrowRight") next = (at + 1) % tabs.length;
  else if (event.key === "ArrowLeft") next = (at - 1 + tabs.length) % tabs.length;
  else if (event.key === "Home") next = 0;
  else if (event.key === "End") next = tabs.length - 1;
  if (next === null) return;
  event.preventDefault();
  const queue = tabs[next].dataset.queue;
  selectTab(queue, true);
  state.index = -1;
  loadQueue(queue);
}

// --- set-up ---

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const key = $("api-key").value.trim();
  if (!key) {
    showError("login-error", "Paste your API key.");
    $("api-key").focus();
    return;
  }
  if (await signIn(key)) {
    $("api-key").value = "";
    await enterWorkspace();
    document.querySelector("#queue-tabs [aria-selected=true]").focus();
  }
});
$("sign-out").addEventListener("click", signOut);
$("help-button").addEventListener("click", () => $("help-dialog").showModal());
for (const tab of document.querySelectorAll("#queue-tabs [role=tab]")) {
  tab.addEventListener("click", () => {
    state.index = -1;
    loadQueue(tab.dataset.queue);
  });
}
$("queue-tabs").addEventListener("keydown", onTabKey);
$("decision-form").addEventListener("submit", onDecision);
$("note-form").addEventListener("submit", onNote);
$("appeal-form").addEventListener("submit", onAppealDecision);
$("cybertip-button").addEventListener("click", onCybertip);
document.addEventListener("keydown", onKey);

(async () => {
  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved && (await signIn(saved))) await enterWorkspace();
  document.body.dataset.ready = "true";
})();
