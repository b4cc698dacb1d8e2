// The owner's screens: 操作员 (operator accounts: create, role, disable, reset password, revoke
// sessions) and 审计日志 (the audit log, newest first, paged, each change's before and after).
"use strict";
(function () {
  const { useState, useEffect } = preactHooks;
  const H = window.Huiliu;
  const { html, t, Field } = H;
  const ROLES = ["owner", "marketer", "analyst"];
  const NAME = /^[\p{L}\p{N}._@-]{1,32}$/u;
  const PRINTABLE = /^[\x20-\x7e\u00a0-\uffff]*$/;

  const checkName = (name) => (NAME.test(name) ? null : t("code.OPERATOR_NAME_INVALID"));
  const checkPassword = (p) => (p.length >= 10 && p.length <= 128 && PRINTABLE.test(p) ? null : t("code.OPERATOR_PASSWORD_WEAK"));

  function NewOperator({ onDone, onCancel }) {
    const [v, setV] = useState({ name: "", role: "marketer", password: "" });
    const [errors, setErrors] = useState({});
    const [busy, setBusy] = useState(false);
    const set = (name) => (e) => setV({ ...v, [name]: e.target.value });

    async function submit(e) {
      e.preventDefault();
      const found = {};
      const name = v.name.trim();
      if (checkName(name)) found.name = checkName(name);
      if (checkPassword(v.password)) found.password = checkPassword(v.password);
      setErrors(found);
      if (Object.keys(found).length) return;
      setBusy(true);
      try {
        await H.api("POST", "operator/operators", { name, role: v.role, password: v.password }, { idempotent: true });
        onDone(t("operators.created", { name, role: H.roleName(v.role) }));
      } catch (err) {
        setErrors(H.fieldErrors(err, ["name", "role", "password"],
          { OPERATOR_EXISTS: "name", OPERATOR_NAME_INVALID: "name", OPERATOR_PASSWORD_WEAK: "password" }));
      } finally {
        setBusy(false);
      }
    }

    return html`<form id="new-operator" class="card form" onSubmit=${submit} noValidate>
      <h3>${t("operators.new")}</h3>
      <div class="fields">
        <${Field} form="new-operator" name="name" label=${t("operators.name")} error=${errors.name} hint=${t("operators.hint.name")}>
          <input id="new-operator-name" name="name" autocomplete="off" value=${v.name} onInput=${set("name")}
            aria-invalid=${errors.name ? "true" : "false"} aria-describedby="new-operator-name-error" /><//>
        <${Field} form="new-operator" name="role" label=${t("operators.role")} error=${errors.role}>
          <select id="new-operator-role" name="role" value=${v.role} onChange=${set("role")}>
            ${ROLES.map((r) => html`<option value=${r}>${H.roleName(r)}</option>`)}</select><//>
        <${Field} form="new-operator" name="password" label=${t("operators.password")} error=${errors.password} hint=${t("operators.hint.password")}>
          <input id="new-operator-password" name="password" type="password" autocomplete="new-password" value=${v.password}
            onInput=${set("password")} aria-invalid=${errors.password ? "true" : "false"} aria-describedby="new-operator-password-error" /><//>
      </div>
      <${H.FieldError} id="new-operator-form-error" text=${errors.form} />
      <div class="actions">
        <button type="submit" disabled=${busy}>${t("operators.create")}</button>
        <button type="button" class="secondary" onClick=${onCancel}>${t("app.cancel")}</button>
      </div>
    </form>`;
  }

  function ResetPassword({ operator, onDone, onCancel }) {
    const [password, setPassword] = useState("");
    const [errors, setErrors] = useState({});
    async function submit(e) {
      e.preventDefault();
      const wrong = checkPassword(password);
      setErrors(wrong ? { password: wrong } : {});
      if (wrong) return;
      try {
        await H.api("POST", `operator/operators/${encodeURIComponent(operator.operatorId)}/password`, { password });
        onDone(t("operators.passwordReset", { name: operator.name }));
      } catch (err) {
        setErrors(H.fieldErrors(err, ["password"], { OPERATOR_PASSWORD_WEAK: "password" }));
      }
    }
    return html`<form id="reset-password" class="card form" onSubmit=${submit} noValidate>
      <h3>${t("operators.resetFor", { name: operator.name })}</h3>
      <${Field} form="reset-password" name="password" label=${t("operators.newPassword")} error=${errors.password} hint=${t("operators.hint.password")}>
        <input id="reset-password-password" name="password" type="password" autocomplete="new-password" value=${password}
          onInput=${(e) => setPassword(e.target.value)} aria-invalid=${errors.password ? "true" : "false"} aria-describedby="reset-password-password-error" /><//>
      <${H.FieldError} id="reset-password-form-error" text=${errors.form} />
      <div class="actions">
        <button type="submit">${t("operators.reset")}</button>
        <button type="button" class="secondary" onClick=${onCancel}>${t("app.cancel")}</button>
      </div>
    </form>`;
  }

  function Operators() {
    const [operators, setOperators] = useState(null);
    const [failure, setFailure] = useState("");
    const [notice, setNotice] = useState("");
    const [form, setForm] = useState(null); // "new", or {reset: operator}
    const [roles, setRoles] = useState({}); // operatorId → the role picked in its row

    async function load() {
      try {
        setOperators((await H.api("GET", "operator/operators")).operators);
      } catch (err) {
        setFailure(H.explain(err));
      }
    }
    useEffect(() => { load(); }, []);

    async function act(call, message) {
      setNotice("");
      setFailure("");
      try {
        await call();
        await load();
        setNotice(message);
      } catch (err) {
        setFailure(H.explain(err));
      }
    }
    const path = (o, tail = "") => `operator/operators/${encodeURIComponent(o.operatorId)}${tail}`;
    const done = async (message) => { await load(); setForm(null); setNotice(message); };
    const me = H.session.operator && H.session.operator.operatorId;

    return html`<section class="screen-head">
        <h2>${t("nav.operators")}</h2>
        ${form ? null : html`<button type="button" id="new-operator-open" onClick=${() => { setNotice(""); setForm("new"); }}>${t("operators.new")}</button>`}
      </section>
      ${notice ? html`<p class="notice" role="status" id="operators-notice">${notice}</p>` : null}
      ${failure ? html`<p class="error" role="alert" id="operators-error">${failure}</p>` : null}
      ${form === "new" ? html`<${NewOperator} onDone=${done} onCancel=${() => setForm(null)} />` : null}
      ${form && form.reset ? html`<${ResetPassword} operator=${form.reset} onDone=${done} onCancel=${() => setForm(null)} />` : null}
      ${operators === null ? html`<p class="status" role="status">${t("app.loading")}</p>` : html`<div class="scroll card">
        <table id="operators" data-loaded="true">
          <caption class="visually-hidden">${t("nav.operators")}</caption>
          <thead><tr><th>${t("operators.name")}</th><th>${t("operators.role")}</th><th>${t("operators.state")}</th>
            <th>${t("operators.createdAt")}</th><th>${t("app.actions")}</th></tr></thead>
          <tbody>${operators.map((o) => {
            const picked = roles[o.operatorId] || o.role;
            return html`<tr data-operator=${o.name}>
              <td>${o.name}${o.operatorId === me ? html` <small>${t("operators.you")}</small>` : null}</td>
              <td><select aria-label=${t("operators.roleOf", { name: o.name })} value=${picked}
                  onChange=${(e) => setRoles({ ...roles, [o.operatorId]: e.target.value })}>
                ${ROLES.map((r) => html`<option value=${r}>${H.roleName(r)}</option>`)}</select>
                ${picked !== o.role ? html` <button type="button" class="small" data-action="role"
                  onClick=${() => act(() => H.api("PATCH", path(o), { role: picked }), t("operators.roleChanged", { name: o.name, role: H.roleName(picked) }))}>${t("app.save")}</button>` : null}</td>
              <td>${o.disabled ? t("operators.disabled") : t("operators.enabled")}</td>
              <td>${H.when(o.createdAt)}</td>
              <td class="row-actions">
                <button type="button" class="secondary small" data-action=${o.disabled ? "enable" : "disable"}
                  onClick=${() => act(() => H.api("PATCH", path(o), { disabled: !o.disabled }), t(o.disabled ? "operators.enabledNotice" : "operators.disabledNotice", { name: o.name }))}>
                  ${o.disabled ? t("operators.enable") : t("operators.disable")}</button>
                <button type="button" class="secondary small" data-action="reset" onClick=${() => { setNotice(""); setForm({ reset: o }); }}>${t("operators.reset")}</button>
                <button type="button" class="secondary small" data-action="revoke"
                  onClick=${() => act(() => H.api("POST", path(o, "/revoke-sessions")), t("operators.revoked", { name: o.name }))}>${t("operators.revoke")}</button>
              </td></tr>`;
          })}</tbody>
        </table></div>`}`;
  }

  const object = (x) => x !== null && typeof x === "object" && !Array.isArray(x);
  // {template: {active: true}} → {"template.active": true}: a change reads as the field that moved.
  const flatten = (x, prefix = "", out = {}) => {
    for (const [k, v] of Object.entries(x)) {
      if (object(v) && Object.keys(v).length) flatten(v, `${prefix}${k}.`, out);
      else out[`${prefix}${k}`] = v;
    }
    return out;
  };

  // Before and after, one row per field that differs (all of them for a creation).
  function Changes({ before, after }) {
    const show = (x) => (x === undefined || x === null ? "–" : typeof x === "object" ? JSON.stringify(x) : String(x));
    if (!object(before) && !object(after)) {
      return html`<dl class="change"><dt>${t("audit.before")}</dt><dd>${show(before)}</dd><dt>${t("audit.after")}</dt><dd>${show(after)}</dd></dl>`;
    }
    const b = object(before) ? flatten(before) : {};
    const a = object(after) ? flatten(after) : {};
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])).sort();
    if (!keys.length) return html`<span class="muted">${t("audit.noChange")}</span>`;
    return html`<table class="diff"><thead><tr><th>${t("audit.field")}</th><th>${t("audit.before")}</th><th>${t("audit.after")}</th></tr></thead>
      <tbody>${keys.map((k) => html`<tr><td>${k}</td><td class="old">${show(b[k])}</td><td class="new">${show(a[k])}</td></tr>`)}</tbody></table>`;
  }

  function Audit() {
    const [page, setPage] = useState(null);
    const [cursors, setCursors] = useState([null]); // the cursor of each page read so far
    const [failure, setFailure] = useState("");

    async function load(stack) {
      const query = new URLSearchParams({ limit: "20" });
      const cursor = stack[stack.length - 1];
      if (cursor) query.set("cursor", cursor);
      try {
        setPage(await H.api("GET", `operator/audit?${query}`));
        setCursors(stack);
        setFailure("");
      } catch (err) {
        setFailure(H.explain(err));
      }
    }
    useEffect(() => { load([null]); }, []);
    const action = (r) => {
      const key = `audit.action.${r.method} ${r.route}`;
      const named = t(key);
      return named === key ? `${r.method} ${r.route}` : named;
    };
    const target = (x) => Object.entries(x || {}).map(([k, v]) => `${k}: ${v}`).join(", ");

    return html`<section class="screen-head">
        <h2>${t("nav.audit")}</h2>
        <div class="pager">
          <button type="button" class="secondary" id="audit-newer" disabled=${cursors.length < 2} onClick=${() => load(cursors.slice(0, -1))}>${t("audit.newer")}</button>
          <span>${t("audit.page", { page: cursors.length })}</span>
          <button type="button" class="secondary" id="audit-older" disabled=${!page || !page.next} onClick=${() => load([...cursors, page.next])}>${t("audit.older")}</button>
        </div>
      </section>
      ${failure ? html`<p class="error" role="alert">${failure}</p>` : null}
      ${page === null ? html`<p class="status" role="status">${t("app.loading")}</p>` : html`<ol id="audit" class="records" data-loaded="true" aria-label=${t("nav.audit")}>
        ${page.records.length ? page.records.map((r) => html`<li class="card record" data-route=${`${r.method} ${r.route}`}>
          <p class="record-head"><time datetime=${r.at}>${H.when(r.at)}</time> <b>${r.operatorName}</b> <span>${action(r)}</span>
            <span class="muted">${target(r.target)}</span></p>
          <div class="scroll"><${Changes} before=${r.before} after=${r.after} /></div>
        </li>`) : html`<li class="card record">${t("audit.none")}</li>`}
      </ol>`}`;
  }

  H.screens.push({ id: "operators", title: "nav.operators", capability: "owner", component: Operators });
  H.screens.push({ id: "audit", title: "nav.audit", capability: "owner", component: Audit });
})();
