// 预警: rules "metric below/above X for N consecutive days/weeks", the alerts fired and (owner) the
// WeCom robot's webhook. A rule is checked by what the API answers with the list (the rule's JSON
// Schema, the rate metrics, the periods per unit); the API still decides.
"use strict";
(function () {
  const { useState, useEffect } = preactHooks;
  const H = window.Huiliu;
  const { html, t, Field } = H;
  const FIELDS = ["name", "metric", "op", "threshold", "periods", "unit", "enabled"];
  const EMPTY = { name: "", metric: "d7Retention", op: "below", threshold: "20", periods: "3", unit: "week", enabled: true };
  const unit = (u) => t(`alerts.unit.${u}`);
  const sentence = (r, rates) => t("alerts.sentence", { metric: t(`alerts.metric.${r.metric}`), op: t(`alerts.op.${r.op}`),
    threshold: `${r.threshold}${rates.includes(r.metric) ? "%" : ""}`, periods: r.periods, unit: unit(r.unit) });

  function check(v, form) {
    const p = form.schema.$defs.AlertSpec.properties;
    const e = {};
    const body = { name: v.name.trim(), metric: v.metric, op: v.op, unit: v.unit, enabled: v.enabled };
    if (!body.name || body.name.length > p.name.maxLength) e.name = t("alerts.check.name", { max: p.name.maxLength });
    const rate = form.percentMetrics.includes(v.metric);
    const top = rate ? 100 : p.threshold.maximum;
    body.threshold = /^\d+(\.\d+)?$/.test(String(v.threshold).trim()) ? Number(v.threshold) : NaN;
    if (!(body.threshold >= p.threshold.minimum && body.threshold <= top) || (!rate && !Number.isInteger(body.threshold))) {
      e.threshold = t(rate ? "alerts.check.percent" : "alerts.check.count", { max: top });
    }
    body.periods = /^\d+$/.test(String(v.periods).trim()) ? Number(v.periods) : NaN;
    const most = Math.min(form.maxPeriods[v.unit], p.periods.maximum);
    if (!(body.periods >= p.periods.minimum && body.periods <= most)) e.periods = t("alerts.check.periods", { max: most, unit: unit(v.unit) });
    return { body, errors: e };
  }

  function RuleForm({ rule, form, onDone, onCancel }) {
    const [v, setV] = useState(rule ? { ...rule, threshold: String(rule.threshold), periods: String(rule.periods) } : EMPTY);
    const [errors, setErrors] = useState({});
    const [busy, setBusy] = useState(false);
    const spec = form.schema.$defs.AlertSpec.properties;
    const set = (name) => (e) => setV({ ...v, [name]: e.target.type === "checkbox" ? e.target.checked : e.target.value });
    const attrs = (name) => ({ id: `alert-rule-${name}`, name, "aria-invalid": String(Boolean(errors[name])), "aria-describedby": `alert-rule-${name}-error` });
    const field = (name, control, hint) => html`<${Field} form="alert-rule" name=${name} label=${t(`alerts.field.${name}`)} error=${errors[name]} hint=${hint}>${control}<//>`;
    const input = (name, mode) => field(name, html`<input ...${attrs(name)} inputMode=${mode} value=${v[name]} onInput=${set(name)} />`,
      name === "threshold" ? t(form.percentMetrics.includes(v.metric) ? "alerts.hint.percent" : "alerts.hint.count") : null);
    const choose = (name) => field(name, html`<select ...${attrs(name)} value=${v[name]} onChange=${set(name)}>
      ${spec[name].enum.map((o) => html`<option value=${o}>${t(`alerts.${name}.${o}`)}</option>`)}</select>`);

    async function submit(e) {
      e.preventDefault();
      const { body, errors: found } = check(v, form);
      setErrors(found);
      if (Object.keys(found).length) return;
      setBusy(true);
      try {
        if (rule) await H.api("PUT", `operator/alerts/rules/${encodeURIComponent(rule.ruleId)}`, body);
        else await H.api("POST", "operator/alerts/rules", body, { idempotent: true });
        onDone(t("alerts.saved", { name: body.name }));
      } catch (err) { setErrors(H.fieldErrors(err, FIELDS)); } finally { setBusy(false); }
    }

    return html`<form id="alert-rule" class="card form" onSubmit=${submit} noValidate>
      <h3>${rule ? t("alerts.edit", { name: rule.name }) : t("alerts.new")}</h3>
      <div class="fields">${input("name")}${choose("metric")}${choose("op")}${input("threshold", "decimal")}${input("periods", "numeric")}${choose("unit")}
        ${field("enabled", html`<input type="checkbox" ...${attrs("enabled")} checked=${v.enabled} onChange=${set("enabled")} />`)}</div>
      <p class="hint">${sentence(v, form.percentMetrics)}</p>
      <${H.FieldError} id="alert-rule-form-error" text=${errors.form} />
      <div class="actions"><button type="submit" id="alert-rule-save" disabled=${busy}>${t("app.save")}</button>
        <button type="button" class="secondary" onClick=${onCancel}>${t("app.cancel")}</button></div>
    </form>`;
  }

  function Webhook() {
    const [hook, setHook] = useState(null);
    const [url, setUrl] = useState("");
    const [said, setSaid] = useState({});
    useEffect(() => { H.api("GET", "operator/alerts/webhook").then(setHook, (err) => setSaid({ error: H.explain(err) })); }, []);
    async function save(value) {
      if (value === "") { setSaid({ error: t("alerts.webhook.empty") }); return; }
      try { setHook(await H.api("PUT", "operator/alerts/webhook", { url: value })); setUrl(""); setSaid({ notice: t("alerts.webhook.saved") }); } catch (err) { setSaid({ error: H.explain(err) }); }
    }
    return html`<form id="alert-webhook" class="card form" noValidate onSubmit=${(e) => { e.preventDefault(); save(url.trim()); }}>
      <h3>${t("alerts.webhook.title")}</h3>
      <p class="muted">${hook ? (hook.configured ? t("alerts.webhook.now", { url: hook.url }) : t("alerts.webhook.none")) : t("app.loading")}</p>
      <${Field} form="alert-webhook" name="url" label=${t("alerts.webhook.url")} error=${said.error} hint=${t("alerts.webhook.hint")}>
        <input id="alert-webhook-url" name="url" value=${url} onInput=${(e) => setUrl(e.target.value)} autocomplete="off" /><//>
      ${said.notice ? html`<p class="notice" role="status">${said.notice}</p>` : null}
      <div class="actions"><button type="submit">${t("app.save")}</button>
        ${hook && hook.configured ? html`<button type="button" class="secondary" onClick=${() => save(null)}>${t("alerts.webhook.remove")}</button>` : null}</div>
    </form>`;
  }

  function Alerts() {
    const [list, setList] = useState(null);
    const [fired, setFired] = useState([]);
    const [editing, setEditing] = useState(null);
    const [notice, setNotice] = useState("");
    const [failure, setFailure] = useState("");
    const changer = H.can("change");

    async function load() {
      try {
        const [rules, alerts] = await Promise.all([H.api("GET", "operator/alerts/rules"), H.api("GET", "operator/alerts?limit=20")]);
        setList(rules); setFired(alerts.alerts); setFailure("");
      } catch (err) { setFailure(H.explain(err)); }
    }
    useEffect(() => { load(); }, []);
    const done = async (message) => { await load(); setEditing(null); setNotice(message); };
    const open = (what) => () => { setNotice(""); setEditing(what); };
    async function remove(r) {
      try { await H.api("DELETE", `operator/alerts/rules/${encodeURIComponent(r.ruleId)}`); await done(t("alerts.deleted", { name: r.name })); } catch (err) { setFailure(H.explain(err)); }
    }
    const rates = list ? list.percentMetrics : [];
    const head = (...keys) => html`<thead><tr>${keys.map((k) => html`<th>${t(k)}</th>`)}</tr></thead>`;

    return html`<section class="screen-head"><h2>${t("nav.alerts")}</h2>
        ${changer && list && !editing ? html`<button type="button" id="alert-rule-new" onClick=${open("new")}>${t("alerts.new")}</button>` : null}</section>
      ${notice ? html`<p class="notice" role="status" id="alerts-notice">${notice}</p>` : null}
      ${failure ? html`<p class="error" role="alert">${failure}</p>` : null}
      ${editing ? html`<${RuleForm} rule=${editing === "new" ? null : editing} form=${list} onDone=${done} onCancel=${() => setEditing(null)} />` : null}
      ${list === null ? html`<p class="status" role="status">${t("app.loading")}</p>` : html`<div class="scroll card" tabindex="0"><table id="alert-rules" data-loaded="true">
        <caption class="visually-hidden">${t("alerts.rules")}</caption>${head("alerts.field.name", "alerts.col.rule", "alerts.field.enabled", ...(changer ? ["app.actions"] : []))}
        <tbody>${list.rules.length ? null : html`<tr><td colspan="4">${t("alerts.noRules")}</td></tr>`}${list.rules.map((r) => html`<tr data-rule=${r.name}>
          <td>${r.name}</td><td>${sentence(r, rates)}</td><td>${t(r.enabled ? "rules.yes" : "rules.no")}</td>
          ${changer ? html`<td class="row-actions"><button type="button" class="secondary small" data-action="edit" onClick=${open(r)}>${t("app.edit")}</button>
            <button type="button" class="secondary small" data-action="delete" onClick=${() => remove(r)}>${t("alerts.delete")}</button></td>` : null}</tr>`)}</tbody></table></div>`}
      <h3 class="section">${t("alerts.fired")}</h3>
      <div class="scroll card" tabindex="0"><table id="alerts-fired"><caption class="visually-hidden">${t("alerts.fired")}</caption>
        ${head("alerts.col.firedAt", "alerts.col.rule", "alerts.col.values", "alerts.col.status")}
        <tbody>${fired.length ? null : html`<tr><td colspan="4">${t("alerts.noneFired")}</td></tr>`}${fired.map((a) => html`<tr><td>${H.when(a.firedAt)}</td>
          <td>${a.rule.name}: ${sentence(a.rule, rates)}</td><td>${a.values.map((p) => `${p.period} ${p.value}${rates.includes(a.rule.metric) ? "%" : ""}`).join(", ")}</td>
          <td title=${a.lastError || ""}>${t(`alerts.status.${a.status}`)}</td></tr>`)}</tbody></table></div>
      ${H.can("owner") ? html`<${Webhook} />` : null}`;
  }

  H.screens.push({ id: "alerts", title: "nav.alerts", capability: "read", component: Alerts });
})();
