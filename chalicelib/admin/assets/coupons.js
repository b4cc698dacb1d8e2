// 优惠券: coupon templates (GET/POST operator/coupon-templates, PATCH …/{id}): list with stock,
// create, edit, pause or resume, add stock. The checks mirror the API's (NewTemplate, TemplatePatch
// in chalicelib/api/operator_views.py; rules.problems and create_template in chalicelib/coupons);
// the API still decides, and its answer is shown at the field it names.
"use strict";
(function () {
  const { useState, useEffect } = preactHooks;
  const H = window.Huiliu;
  const { html, t, yuan, toFen, Field } = H;
  const KINDS = ["cash", "threshold", "discount", "no_threshold"];
  const CHANNELS = ["claim", "grant", "points"];
  const SCOPES = ["all", "products", "categories"];
  const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
  const COUNT_MAX = 100000000;
  const FIELDS = ["templateId", "name", "kind", "channel", "amount", "threshold", "rate", "cap", "scope", "scopeIds",
    "validFrom", "validUntil", "validDays", "total", "perUserLimit", "pointsPrice", "addStock"];

  // A China wall-clock time from <input type=datetime-local> as the API wants it (zoned).
  const zoned = (local) => (local ? `${local.length === 16 ? `${local}:00` : local}+08:00` : null);
  const localOf = (iso) => {
    if (!iso) return "";
    const d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
    return d.toISOString().slice(0, 16);
  };
  const count = (text) => (/^\d+$/.test(String(text).trim()) ? Number(text) : null);
  const blank = (text) => String(text ?? "").trim() === "";

  const EMPTY = { templateId: "", name: "", kind: "cash", channel: "claim", amount: "", threshold: "", rate: "85", cap: "",
    scope: "all", scopeIds: "", validity: "days", validDays: "30", validFrom: "", validUntil: "", total: "", perUserLimit: "1", pointsPrice: "" };

  // The form's values as the API's body, and what is wrong with them (by field).
  function checkNew(v) {
    const e = {};
    const body = { templateId: v.templateId.trim(), name: v.name.trim(), kind: v.kind, channel: v.channel, scope: v.scope };
    if (!ID.test(body.templateId)) e.templateId = t("coupon.check.id");
    if (!body.name || body.name.length > 40) e.name = t("coupon.check.name");
    const money = (field, required) => {
      if (blank(v[field])) { if (required) e[field] = t("coupon.check.moneyRequired"); return undefined; }
      const fen = toFen(v[field]);
      if (fen === null) e[field] = t("coupon.check.money");
      return fen;
    };
    if (v.kind === "discount") {
      const rate = count(v.rate);
      if (rate === null || rate < 1 || rate > 99) e.rate = t("coupon.check.rate");
      else body.rate = rate;
      const cap = money("cap", false);
      if (cap !== undefined && cap !== null) { if (cap <= 0) e.cap = t("coupon.check.positive"); else body.cap = cap; }
    } else {
      const amount = money("amount", true);
      if (amount !== undefined && amount !== null) { if (amount <= 0) e.amount = t("coupon.check.positive"); else body.amount = amount; }
    }
    const threshold = money("threshold", v.kind === "threshold");
    if (threshold !== undefined && threshold !== null) body.threshold = threshold;
    if (v.kind === "threshold" && body.threshold !== undefined && body.amount !== undefined && body.threshold <= body.amount) {
      e.threshold = t("coupon.check.thresholdAbove");
    }
    if (v.scope !== "all") {
      const ids = v.scopeIds.split(/[,，\s]+/).filter(Boolean);
      if (!ids.length || ids.length > 100 || !ids.every((id) => ID.test(id))) e.scopeIds = t("coupon.check.scopeIds");
      else body.scopeIds = ids;
    }
    if (v.validity === "days") {
      const days = count(v.validDays);
      if (days === null || days < 1 || days > 3650) e.validDays = t("coupon.check.validDays");
      else body.validDays = days;
    } else {
      if (!v.validFrom) e.validFrom = t("coupon.check.required");
      if (!v.validUntil) e.validUntil = t("coupon.check.required");
      else if (v.validFrom && v.validUntil <= v.validFrom) e.validUntil = t("coupon.check.window");
      body.validFrom = zoned(v.validFrom);
      body.validUntil = zoned(v.validUntil);
    }
    if (!blank(v.total)) {
      const total = count(v.total);
      if (total === null || total < 1 || total > COUNT_MAX) e.total = t("coupon.check.count");
      else body.total = total;
    }
    if (blank(v.perUserLimit)) body.perUserLimit = null;
    else {
      const limit = count(v.perUserLimit);
      if (limit === null || limit < 1 || limit > COUNT_MAX) e.perUserLimit = t("coupon.check.count");
      else body.perUserLimit = limit;
    }
    if (v.channel === "points") {
      const price = count(v.pointsPrice);
      if (price === null || price < 1 || price > COUNT_MAX) e.pointsPrice = t("coupon.check.pointsPrice");
      else body.pointsPrice = price;
    }
    return { body, errors: e };
  }

  function terms(c) {
    const off = c.kind === "discount"
      ? t("coupon.terms.discount", { rate: c.rate, cap: c.cap === null ? t("coupon.noCap") : yuan(c.cap) })
      : t("coupon.terms.amount", { amount: yuan(c.amount) });
    return c.threshold ? `${t("coupon.terms.threshold", { threshold: yuan(c.threshold) })} ${off}` : off;
  }

  function validity(c) {
    if (c.validDays) return t("coupon.validDaysShort", { days: c.validDays });
    return `${H.when(c.validFrom)} – ${H.when(c.validUntil)}`;
  }

  function NewTemplate({ onDone, onCancel }) {
    const [v, setV] = useState(EMPTY);
    const [errors, setErrors] = useState({});
    const [busy, setBusy] = useState(false);
    const set = (name) => (e) => setV({ ...v, [name]: e.target.value });
    const input = (name, props = {}) => html`<input id=${`new-coupon-${name}`} name=${name} value=${v[name]} onInput=${set(name)}
      aria-invalid=${errors[name] ? "true" : "false"} aria-describedby=${`new-coupon-${name}-error`} ...${props} />`;
    const select = (name, options, prefix) => html`<select id=${`new-coupon-${name}`} name=${name} value=${v[name]} onChange=${set(name)}>
      ${options.map((o) => html`<option value=${o}>${t(`${prefix}.${o}`)}</option>`)}</select>`;
    const field = (name, control, hint) => html`<${Field} form="new-coupon" name=${name} label=${t(`coupon.field.${name}`)} error=${errors[name]} hint=${hint}>${control}<//>`;

    async function submit(e) {
      e.preventDefault();
      const { body, errors: found } = checkNew(v);
      setErrors(found);
      if (Object.keys(found).length) return;
      setBusy(true);
      try {
        await H.api("POST", "operator/coupon-templates", body, { idempotent: true });
        onDone(t("coupon.created", { name: body.name }));
      } catch (err) {
        setErrors(H.fieldErrors(err, FIELDS, { TEMPLATE_EXISTS: "templateId" }));
      } finally {
        setBusy(false);
      }
    }

    return html`<form id="new-coupon" class="card form" onSubmit=${submit} noValidate>
      <h3>${t("coupon.new")}</h3>
      <div class="fields">
        ${field("templateId", input("templateId", { autocomplete: "off" }), t("coupon.hint.templateId"))}
        ${field("name", input("name", { maxLength: 40 }))}
        ${field("kind", select("kind", KINDS, "coupon.kind"))}
        ${field("channel", select("channel", CHANNELS, "coupon.channel"))}
        ${v.kind === "discount" ? field("rate", input("rate", { inputMode: "numeric" }), t("coupon.hint.rate")) : field("amount", input("amount", { inputMode: "decimal" }), t("coupon.hint.yuan"))}
        ${v.kind === "discount" ? field("cap", input("cap", { inputMode: "decimal" }), t("coupon.hint.optionalYuan")) : null}
        ${field("threshold", input("threshold", { inputMode: "decimal" }), v.kind === "threshold" ? t("coupon.hint.thresholdAbove") : t("coupon.hint.optionalYuan"))}
        ${field("scope", select("scope", SCOPES, "coupon.scope"))}
        ${v.scope !== "all" ? field("scopeIds", input("scopeIds"), t("coupon.hint.scopeIds")) : null}
        <${Field} form="new-coupon" name="validity" label=${t("coupon.field.validity")}>
          <select id="new-coupon-validity" name="validity" value=${v.validity} onChange=${set("validity")}>
            <option value="days">${t("coupon.validity.days")}</option><option value="window">${t("coupon.validity.window")}</option>
          </select><//>
        ${v.validity === "days" ? field("validDays", input("validDays", { inputMode: "numeric" })) : null}
        ${v.validity === "window" ? field("validFrom", input("validFrom", { type: "datetime-local" }), t("coupon.hint.chinaTime")) : null}
        ${v.validity === "window" ? field("validUntil", input("validUntil", { type: "datetime-local" }), t("coupon.hint.chinaTime")) : null}
        ${field("total", input("total", { inputMode: "numeric" }), t("coupon.hint.total"))}
        ${field("perUserLimit", input("perUserLimit", { inputMode: "numeric" }), t("coupon.hint.perUserLimit"))}
        ${v.channel === "points" ? field("pointsPrice", input("pointsPrice", { inputMode: "numeric" })) : null}
      </div>
      <${H.FieldError} id="new-coupon-form-error" text=${errors.form} />
      <div class="actions">
        <button type="submit" disabled=${busy}>${t("coupon.create")}</button>
        <button type="button" class="secondary" onClick=${onCancel}>${t("app.cancel")}</button>
      </div>
    </form>`;
  }

  function EditTemplate({ template, onDone, onCancel }) {
    const [v, setV] = useState({ name: template.name, perUserLimit: template.perUserLimit ?? "", validUntil: localOf(template.validUntil), addStock: "" });
    const [errors, setErrors] = useState({});
    const [busy, setBusy] = useState(false);
    const set = (name) => (e) => setV({ ...v, [name]: e.target.value });
    const form = `edit-coupon`;
    const input = (name, props = {}) => html`<input id=${`${form}-${name}`} name=${name} value=${v[name]} onInput=${set(name)}
      aria-invalid=${errors[name] ? "true" : "false"} aria-describedby=${`${form}-${name}-error`} ...${props} />`;

    async function submit(e) {
      e.preventDefault();
      const found = {};
      const body = {};
      const name = v.name.trim();
      if (!name || name.length > 40) found.name = t("coupon.check.name");
      else if (name !== template.name) body.name = name;
      if (!blank(v.perUserLimit)) {
        const limit = count(v.perUserLimit);
        if (limit === null || limit < 1 || limit > COUNT_MAX) found.perUserLimit = t("coupon.check.count");
        else if (limit !== template.perUserLimit) body.perUserLimit = limit;
      }
      if (template.validUntil && v.validUntil && v.validUntil !== localOf(template.validUntil)) {
        if (template.validFrom && v.validUntil <= localOf(template.validFrom)) found.validUntil = t("coupon.check.window");
        else body.validUntil = zoned(v.validUntil);
      }
      if (!blank(v.addStock)) {
        const more = count(v.addStock);
        if (more === null || more < 1 || more > COUNT_MAX) found.addStock = t("coupon.check.count");
        else body.addStock = more;
      }
      setErrors(found);
      if (Object.keys(found).length) return;
      if (!Object.keys(body).length) { onCancel(); return; }
      setBusy(true);
      try {
        await H.api("PATCH", `operator/coupon-templates/${encodeURIComponent(template.templateId)}`, body);
        onDone(t("coupon.saved", { name: body.name || template.name }));
      } catch (err) {
        setErrors(H.fieldErrors(err, FIELDS));
      } finally {
        setBusy(false);
      }
    }

    return html`<form id=${form} class="card form" onSubmit=${submit} noValidate>
      <h3>${t("coupon.edit", { id: template.templateId })}</h3>
      <div class="fields">
        <${Field} form=${form} name="name" label=${t("coupon.field.name")} error=${errors.name}>${input("name", { maxLength: 40 })}<//>
        <${Field} form=${form} name="perUserLimit" label=${t("coupon.field.perUserLimit")} error=${errors.perUserLimit}>${input("perUserLimit", { inputMode: "numeric" })}<//>
        ${template.validUntil ? html`<${Field} form=${form} name="validUntil" label=${t("coupon.field.validUntil")} error=${errors.validUntil} hint=${t("coupon.hint.chinaTime")}>
          ${input("validUntil", { type: "datetime-local" })}<//>` : null}
        ${template.total !== null ? html`<${Field} form=${form} name="addStock" label=${t("coupon.field.addStock")} error=${errors.addStock} hint=${t("coupon.hint.addStock")}>
          ${input("addStock", { inputMode: "numeric" })}<//>` : null}
      </div>
      <${H.FieldError} id=${`${form}-form-error`} text=${errors.form} />
      <div class="actions">
        <button type="submit" disabled=${busy}>${t("app.save")}</button>
        <button type="button" class="secondary" onClick=${onCancel}>${t("app.cancel")}</button>
      </div>
    </form>`;
  }

  function Coupons() {
    const [templates, setTemplates] = useState(null);
    const [failure, setFailure] = useState("");
    const [notice, setNotice] = useState("");
    const [editing, setEditing] = useState(null); // "new", or a template
    const changer = H.can("change");

    async function load() {
      try {
        const answer = await H.api("GET", "operator/coupon-templates");
        setTemplates(answer.templates);
        setFailure("");
      } catch (err) {
        setFailure(H.explain(err));
      }
    }
    useEffect(() => { load(); }, []);

    async function toggle(template) {
      setNotice("");
      try {
        await H.api("PATCH", `operator/coupon-templates/${encodeURIComponent(template.templateId)}`, { active: !template.active });
        await load();
        setNotice(t(template.active ? "coupon.paused" : "coupon.resumed", { name: template.name }));
      } catch (err) {
        setFailure(H.explain(err));
      }
    }

    // The notice comes with the list as it is after the change, not before.
    const done = async (message) => {
      await load();
      setEditing(null);
      setNotice(message);
    };

    return html`<section class="screen-head">
        <h2>${t("nav.coupons")}</h2>
        ${changer && !editing ? html`<button type="button" id="new-coupon-open" onClick=${() => { setNotice(""); setEditing("new"); }}>${t("coupon.new")}</button>` : null}
      </section>
      ${notice ? html`<p class="notice" role="status" id="coupon-notice">${notice}</p>` : null}
      ${failure ? html`<p class="error" role="alert" id="coupon-error">${failure}</p>` : null}
      ${editing === "new" ? html`<${NewTemplate} onDone=${done} onCancel=${() => setEditing(null)} />` : null}
      ${editing && editing !== "new" ? html`<${EditTemplate} template=${editing} onDone=${done} onCancel=${() => setEditing(null)} />` : null}
      ${templates === null ? html`<p class="status" role="status">${t("app.loading")}</p>` : html`<div class="scroll card">
        <table id="coupon-templates" data-loaded="true">
          <caption class="visually-hidden">${t("nav.coupons")}</caption>
          <thead><tr><th>${t("coupon.field.templateId")}</th><th>${t("coupon.field.name")}</th><th>${t("coupon.col.terms")}</th>
            <th>${t("coupon.field.channel")}</th><th>${t("coupon.col.validity")}</th><th>${t("coupon.col.left")}</th><th>${t("coupon.col.issued")}</th>
            <th>${t("coupon.col.used")}</th><th>${t("coupon.field.perUserLimit")}</th><th>${t("coupon.col.state")}</th>${changer ? html`<th>${t("app.actions")}</th>` : null}</tr></thead>
          <tbody>${templates.length ? templates.map((c) => html`<tr data-template=${c.templateId}>
            <td>${c.templateId}</td><td>${c.name}</td><td>${terms(c)}</td><td>${t(`coupon.channel.${c.channel}`)}</td><td>${validity(c)}</td>
            <td>${c.total === null ? t("coupon.unlimited") : c.total - c.issued}</td><td>${c.total === null ? "–" : c.issued}</td>
            <td class="used">${c.used}</td><td>${c.perUserLimit ?? t("coupon.unlimited")}</td>
            <td class="state">${c.active ? (c.soldOut ? t("coupon.state.soldOut") : t("coupon.state.active")) : t("coupon.state.paused")}</td>
            ${changer ? html`<td class="row-actions">
              <button type="button" class="secondary small" data-action="edit" onClick=${() => { setNotice(""); setEditing(c); }}>${t("app.edit")}</button>
              <button type="button" class="secondary small" data-action=${c.active ? "pause" : "resume"} onClick=${() => toggle(c)}>${c.active ? t("coupon.pause") : t("coupon.resume")}</button>
            </td>` : null}</tr>`) : html`<tr><td colspan=${changer ? 11 : 10}>${t("coupon.none")}</td></tr>`}</tbody>
        </table></div>`}
      <p class="hint">${t("coupon.usedNote")}</p>`;
  }

  H.screens.push({ id: "coupons", title: "nav.coupons", capability: "read", component: Coupons });
})();
