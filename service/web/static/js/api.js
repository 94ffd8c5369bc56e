// The API as the page uses it: the key (asked once, kept in sessionStorage), JSON calls
// with problem+json errors, and plan submissions that answer 201 at once or 202 with a job.

import { t } from "./i18n.js";

const KEY = "eyes.apiKey";

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }

  // "field: message" for each problem the answer names, or the detail alone.
  lines() {
    const errors = this.problem.errors || [];
    return errors.length ? errors.map((e) => `${e.field}: ${e.message}`) : [this.message];
  }
}

let askForKey = async () => null;

export function onKeyNeeded(ask) {
  askForKey = ask;
}

export function storedKey() {
  return sessionStorage.getItem(KEY);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY);
}

function headers(extra) {
  const all = { Accept: "application/json, application/geo+json", ...extra };
  const key = storedKey();
  if (key) all["X-API-Key"] = key;
  return all;
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

let pendingKey = null;

function promptOnce(reason) {
  pendingKey ||= askForKey(reason).finally(() => {
    pendingKey = null;
  });
  return pendingKey;
}

// fetch with the key; a 401 asks for a key (one prompt for calls waiting together) and
// tries again.
export async function call(path, options = {}) {
  for (let attempt = 0; ; attempt += 1) {
    const used = storedKey();
    const response = await fetch(path, { ...options, headers: headers(options.headers) });
    if (response.status !== 401 || attempt >= 3) return response;
    if (storedKey() !== used) continue; // another call was given a new key meanwhile
    const key = await promptOnce(used ? t("That key was not accepted.") : "");
    if (!key) return response;
    sessionStorage.setItem(KEY, key);
  }
}

export async function getJson(path) {
  const response = await call(path);
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return response.json();
}

// GET that answers null for 404 (and 403 when allowed): a feature this server or key lacks.
export async function getOptional(path, { forbiddenToo = false } = {}) {
  const response = await call(path);
  if (response.status === 404 || (forbiddenToo && response.status === 403)) return null;
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return response.json();
}

export async function postJson(path, body) {
  return call(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

export async function download(path, filename) {
  const response = await call(path);
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const DONE = new Set(["done", "succeeded", "success", "completed", "finished"]);
const FAILED = new Set(["failed", "error", "cancelled", "canceled"]);

// A job's progress as a fraction 0..1, or null when it does not say.
export function fractionOf(job) {
  let value = job.progress;
  if (value && typeof value === "object") {
    if (typeof value.fraction === "number") value = value.fraction;
    else if (typeof value.done === "number" && value.total) value = value.done / value.total;
    else if (typeof value.percent === "number") value = value.percent / 100;
    else value = null;
  }
  if (typeof value !== "number" || Number.isNaN(value)) return null;
  return Math.max(0, Math.min(1, value > 1 ? value / 100 : value));
}

function planIdOf(job) {
  if (job.routes && job.id) return job.id; // the job answered with the plan itself
  const direct = job.plan_id || (job.plan && job.plan.id) || (job.result && job.result.id);
  if (direct) return direct;
  const link = job.location || job.result_url || job.plan_url || (job.links && job.links.plan);
  const match = typeof link === "string" && link.match(/\/v1\/plans\/([^/?#]+)/);
  return match ? match[1] : null;
}

// POST a plan (or re-plan) and wait for the plan: 201 answers it at once; 202 names a job
// (Location) to poll until it is done, reporting progress on the way.
export async function submitPlan(path, body, onProgress) {
  const response = await postJson(path, body);
  if (response.status === 201 || response.status === 200) return response.json();
  if (response.status !== 202) throw new ApiError(response.status, await problemOf(response));
  const accepted = await problemOf(response);
  const jobUrl = response.headers.get("Location") || (accepted && accepted.location) ||
    (accepted && accepted.id && `/v1/jobs/${accepted.id}`);
  if (!jobUrl) throw new ApiError(202, { detail: t("The server accepted the plan but named no job.") });
  let wait = 500;
  for (;;) {
    const answer = await call(jobUrl);
    if (!answer.ok) throw new ApiError(answer.status, await problemOf(answer));
    const job = await answer.json();
    const status = String(job.status || job.state || "").toLowerCase();
    onProgress({ status: status || "running", fraction: fractionOf(job), message: job.message || "" });
    if (FAILED.has(status)) {
      throw new ApiError(422, job.error || job.problem || { detail: job.detail || t("The plan failed.") });
    }
    const planId = planIdOf(job);
    if (planId && (DONE.has(status) || job.routes)) return getJson(`/v1/plans/${planId}`);
    if (DONE.has(status)) throw new ApiError(500, { detail: t("The job finished without a plan.") });
    await sleep(wait);
    wait = Math.min(wait * 1.5, 2000);
  }
}
