// The console's core: messages (one catalogue per language, messages.<lang>.js), the API client
// (session cookie + CSRF token kept in memory), error handling and small formatting helpers.
// Screens register themselves on window.Huiliu; console.js mounts the shell.
"use strict";
(function () {
  const { h } = preact;
  const html = htm.bind(h);
  const LANGS = ["zh-CN", "en"];
  const LANG_KEY = "huiliu.console.lang";
  // Whether this browser logged in before: only then does a fresh page ask GET /operator/me
  // (the cookie is HttpOnly, so the page cannot look), sparing first visitors a 401.
  const SESSION_HINT = "huiliu.console.session";
  let catalogue = {};
  let lang = "zh-CN";
  const session = { csrf: null, operator: null };
  const listeners = { unauthorized: () => {}, forbidden: () => {} };

  function t(key, params) {
    let text = Object.prototype.hasOwnProperty.call(catalogue, key) ? catalogue[key] : key;
    if (params) for (const [name, value] of Object.entries(params)) text = text.split(`{${name}}`).join(String(value));
    return text;
  }

  // A page fetches the catalogue of its language only, and another when first chosen (a catalogue
  // is a fifth of the page's own code, whose budget is 150 KB). Resolves once the language is in use.
  const CATALOGUES = { "zh-CN": "admin/assets/messages.zh-CN.js", en: "admin/assets/messages.en.js" };
  const fetching = {};
  const fetchCatalogue = (l) => ((window.HuiliuMessages || {})[l] ? Promise.resolve() : fetching[l] || (fetching[l] = new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement("script"), { src: CATALOGUES[l], onload: resolve });
    script.onerror = () => { delete fetching[l]; script.remove(); reject(new Error(CATALOGUES[l])); };
    document.head.append(script);
  })));

  async function loadLanguage(wanted) {
    const stored = localStorage.getItem(LANG_KEY);
    let chosen = LANGS.includes(wanted) ? wanted : (LANGS.includes(stored) ? stored : "zh-CN");
    try {
      await fetchCatalogue(chosen);
    } catch (err) {
      if (Object.keys(catalogue).length) return; // offline: the language in use stays
      chosen = "zh-CN";
      await fetchCatalogue(chosen).catch(() => {});
    }
    catalogue = (window.HuiliuMessages || {})[chosen] || {};
    lang = chosen;
    localStorage.setItem(LANG_KEY, chosen);
    document.documentElement.lang = chosen;
    document.title = t("app.title");
  }

  class ApiError extends Error {
    constructor(status, code, message, retryAfter) {
      super(message || code);
      this.status = status;
      this.code = code;
      this.detail = message;
      this.retryAfter = retryAfter;
    }
  }

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // One call of the operator API. Throws ApiError; a 401 on any call but the login also ends the
  // session in the page (the shell shows the login form with the reason).
  async function api(method, path, body, { idempotent = false } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && session.csrf) headers["X-CSRF-Token"] = session.csrf;
    if (idempotent) headers["Idempotency-Key"] = newKey();
    let answer;
    try {
      answer = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ApiError(0, "NETWORK", err.message);
    }
    const text = await answer.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (err) { data = null; }
    if (answer.ok) return data;
    const error = (data && data.error) || {};
    const failure = new ApiError(answer.status, error.code || `HTTP_${answer.status}`, error.message,
      Number(answer.headers.get("Retry-After")) || null);
    failure.rows = error.rows; // an import's refusal: row, field, message
    if (answer.status === 401 && path !== "operator/login") {
      localStorage.removeItem(SESSION_HINT);
      session.csrf = null;
      session.operator = null;
      listeners.unauthorized(failure);
    }
    // The role may have changed since the page learnt it: the shell asks again and redraws.
    if (answer.status === 403) listeners.forbidden(failure);
    throw failure;
  }

  // What a person reads about a failure: the catalogue's text for the code when it has one
  // (so the English switch covers it), the API's own message otherwise.
  function explain(err) {
    if (!(err instanceof ApiError)) return t("error.unexpected", { message: err.message });
    if (err.status === 0) return t("error.network");
    if (err.status === 403) return `${t("error.forbidden")} ${t("error.forbiddenWhy")}`;
    if (err.status === 429) return err.retryAfter ? t("error.retryAfter", { seconds: err.retryAfter }) : t("error.retryLater");
    const known = `code.${err.code}`;
    if (Object.prototype.hasOwnProperty.call(catalogue, known)) return t(known);
    if (err.status >= 500) return t("error.server", { code: err.code });
    return err.detail || err.code;
  }

  const roleName = (role) => (role ? t(`role.${role}`) : "–");
  const can = (capability) => {
    const role = session.operator && session.operator.role;
    if (capability === "owner") return role === "owner";
    if (capability === "change") return role === "owner" || role === "marketer";
    return Boolean(role);
  };

  // Money: the API counts fen; people type yuan.
  const yuan = (fen) => (fen === null || fen === undefined ? "–" : (fen / 100).toFixed(2));
  const toFen = (text) => {
    const s = String(text).trim();
    if (!/^\d{1,7}(\.\d{1,2})?$/.test(s)) return null;
    const [whole, part = ""] = s.split(".");
    return Number(whole) * 100 + Number(part.padEnd(2, "0"));
  };
  const pct = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)}%`);
  const when = (iso) => {
    if (!iso) return "–";
    const d = new Date(iso);
    return d.toLocaleString(lang, { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  };

  // A message block shown at a field (or a form); empty renders nothing.
  const FieldError = ({ id, text }) => (text ? html`<p class="field-error" id=${id} role="alert">${text}</p>` : null);

  // A labelled control with its error beneath (the error names the control for screen readers).
  const Field = ({ form, name, label, error, hint, children }) => html`<div class=${`field${error ? " invalid" : ""}`} data-field=${name}>
    <label for=${`${form}-${name}`}>${label}</label>
    ${children}
    ${hint ? html`<small class="hint">${hint}</small>` : null}
    <${FieldError} id=${`${form}-${name}-error`} text=${error} />
  </div>`;

  // The API's answer to a form, spread over its fields: msgspec names the field ("at `$.amount`"),
  // the services name theirs in the message ("amount must be …; validDays …"); each part goes to
  // the first field it names, the rest to the form. ``codes`` maps a code to its field
  // (TEMPLATE_EXISTS → templateId).
  function fieldErrors(err, fields, codes = {}) {
    const out = {};
    const add = (field, text) => { out[field] = out[field] ? `${out[field]} ${text}` : text; };
    if (!(err instanceof ApiError)) return { form: explain(err) };
    if (codes[err.code]) { add(codes[err.code], explain(err)); return out; }
    if (err.status !== 422 || !err.detail) return { form: explain(err) };
    for (const part of err.detail.split("; ")) {
      const at = /`\$\.([A-Za-z]+)/.exec(part);
      const named = at ? at[1] : fields.find((f) => new RegExp(`\\b${f}\\b`).test(part));
      add(named && fields.includes(named) ? named : "form", part);
    }
    return out;
  }

  window.Huiliu = {
    html, t, loadLanguage, SESSION_HINT, lang: () => lang, LANGS, api, ApiError, explain, session, listeners,
    can, roleName, yuan, toFen, pct, when, FieldError, Field, fieldErrors, screens: [],
  };
})();
