// 活动: group-buys and bargains: list, create, edit (on the version read), pause/resume, end (confirmed).
// Checks mirror the API's (operator_views.py, campaign_views.py); its refusals show at their fields.
"use strict";
(function () {
  const { useState, useEffect } = preactHooks;
  const H = window.Huiliu;
  const { html, t, yuan, toFen, Field } = H;
  const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
  // A field: [name, kind, min, max, default]; kinds: id, text, yuan, int, time, bool.
  const BASE = [["name", "text"], ["productId", "id"], ["originalPrice", "yuan"]];
  const KINDS = {
    groupbuy: { path: "operator/groupbuy/activities", key: "activityId", list: "activities", row: "activity",
      create: [["activityId", "id"], ...BASE, ["groupPrice", "yuan"], ["size", "int", 2, 10, "3"], ["startsAt", "time"], ["endsAt", "time"],
        ["timeLimitMinutes", "int", 1, 10080, "1440"], ["payMinutes", "int", 1, 1440, "15"], ["stock", "int", 1, 1e8, ""],
        ["perUserLimit", "int", 1, 100, "1"], ["newUsersOnly", "bool"]],
      price: "groupPrice", early: ["originalPrice", "groupPrice", "startsAt"] },
    bargain: { path: "operator/bargain/campaigns", key: "campaignId", list: "campaigns", row: "campaign",
      create: [["campaignId", "id"], ...BASE, ["floorPrice", "yuan"], ["helpers", "int", 1, 100, "10"], ["startsAt", "time"], ["endsAt", "time"],
        ["durationMinutes", "int", 1, 43200, "1440"], ["perUserLimit", "int", 1, 100, "1"], ["helperDailyCap", "int", 1, 100, "5"],
        ["newUserBonus", "bool"], ["buyAtCurrent", "bool"]],
      price: "floorPrice", early: ["originalPrice", "floorPrice", "startsAt"] },
  };
  const FIELDS = [...new Set([...KINDS.groupbuy.create, ...KINDS.bargain.create].map((f) => f[0]).concat("addStock"))];
  const zoned = (local) => `${local.length === 16 ? `${local}:00` : local}+08:00`;
  const localOf = (iso) => (iso ? new Date(new Date(iso).getTime() + 8 * 3600e3).toISOString().slice(0, 16) : "");

  // The values typed as the API's body, and what is wrong, by field.
  function check(spec, v) {
    const body = {}, e = {};
    for (const [name, kind, min, max] of spec) {
      const raw = typeof v[name] === "string" ? v[name].trim() : v[name];
      if (kind === "bool") { body[name] = Boolean(raw); continue; }
      if (raw === "" || raw === undefined) {
        if (!(name === "stock" || name === "addStock")) e[name] = t("campaign.check.required");
        continue;
      }
      if (kind === "id" && !ID.test(raw)) e[name] = t("campaign.check.id");
      else if (kind === "text" && raw.length > 40) e[name] = t("campaign.check.name");
      else if (kind === "yuan" && toFen(raw) === null) e[name] = t("campaign.check.money");
      else if (kind === "int" && !(/^\d+$/.test(raw) && +raw >= min && +raw <= max)) e[name] = t("campaign.check.int", { min, max });
      else body[name] = kind === "yuan" ? toFen(raw) : kind === "int" ? +raw : kind === "time" ? zoned(raw) : raw;
    }
    const price = body.groupPrice ?? body.floorPrice;
    const floor = "floorPrice" in body;
    if (body.originalPrice !== undefined && price !== undefined && !(price < body.originalPrice && (floor || price > 0))) {
      e[floor ? "floorPrice" : "groupPrice"] = t("campaign.check.below");
    }
    if (floor && body.helpers && body.originalPrice > body.floorPrice && body.helpers > body.originalPrice - body.floorPrice) e.helpers = t("campaign.check.helpers");
    if (v.startsAt && v.endsAt && v.endsAt <= v.startsAt) e.endsAt = t("campaign.check.window");
    return { body, errors: e };
  }

  function Form({ id, title, spec, start, send, onDone, onCancel, note }) {
    const [v, setV] = useState(start);
    const [errors, setErrors] = useState({});
    const [busy, setBusy] = useState(false);
    async function submit(ev) {
      ev.preventDefault();
      const { body, errors: found } = check(spec, v);
      setErrors(found);
      if (Object.keys(found).length) return;
      setBusy(true);
      try { onDone(await send(body)); } catch (err) { setErrors(err.fieldErrors || { form: H.explain(err) }); } finally { setBusy(false); }
    }
    const control = ([name, kind]) => {
      const common = { id: `${id}-${name}`, name, "aria-invalid": errors[name] ? "true" : "false", "aria-describedby": `${id}-${name}-error` };
      if (kind === "bool") return html`<input type="checkbox" ...${common} checked=${v[name]} onChange=${(e) => setV({ ...v, [name]: e.target.checked })} />`;
      return html`<input ...${common} type=${kind === "time" ? "datetime-local" : "text"} inputMode=${kind === "yuan" ? "decimal" : kind === "int" ? "numeric" : null}
        value=${v[name]} onInput=${(e) => setV({ ...v, [name]: e.target.value })} />`;
    };
    return html`<form id=${id} class="card form" onSubmit=${submit} noValidate>
      <h3>${title}</h3>${note ? html`<p class="hint">${note}</p>` : null}
      <div class="fields">${spec.map((f) => html`<${Field} form=${id} name=${f[0]} label=${t(`campaign.f.${f[0]}`)} error=${errors[f[0]]}>${control(f)}<//>`)}</div>
      <${H.FieldError} id=${`${id}-form-error`} text=${errors.form} />
      <div class="actions"><button type="submit" disabled=${busy}>${t("app.save")}</button>
        <button type="button" class="secondary" onClick=${onCancel}>${t("app.cancel")}</button></div>
    </form>`;
  }

  // The API's refusal, thrown on to the form by field; an unsafe edit (409) names its fields as a 422 does.
  const call = (key) => async (method, path, body, opts) => {
    try { return await H.api(method, path, body, opts); } catch (err) {
      err.fieldErrors = H.fieldErrors(err.code === "CAMPAIGN_EDIT_UNSAFE" ? Object.assign(Object.create(err), { status: 422 }) : err, FIELDS, { CAMPAIGN_EXISTS: key });
      throw err;
    }
  };

  function editSpec(kind, c) {
    const spec = [["name", "text"], ["endsAt", "time"], ["perUserLimit", "int", 1, 100]];
    if (c.stock !== undefined && c.stock !== null) spec.push(["addStock", "int", 1, 1e8]);
    if (c.state === "scheduled") spec.push(...KINDS[kind].create.filter((f) => KINDS[kind].early.includes(f[0])));
    return spec;
  }
  const startOf = (spec, c) => Object.fromEntries(spec.map(([name, kind, , , d]) => [name,
    !c ? (kind === "bool" ? false : d ?? "") : kind === "yuan" ? yuan(c[name]) : kind === "time" ? localOf(c[name]) : String(c[name] ?? "")]));

  function Kind({ kind, changer, say, fail, ready }) {
    const K = KINDS[kind];
    const [rows, setRows] = useState(null);
    const [editing, setEditing] = useState(null); // "new" or a row
    const [ending, setEnding] = useState(null);
    async function load() {
      try { setRows((await H.api("GET", K.path))[K.list]); } catch (err) { fail(H.explain(err)); }
      ready(kind);
    }
    useEffect(() => { load(); }, []);
    const done = (message) => async (c) => { await load(); setEditing(null); say(t(message, { name: c.name })); };
    async function act(c, action) {
      setEnding(null);
      try { const after = await H.api("POST", `${K.path}/${encodeURIComponent(c[K.key])}/${action}`); await load(); say(t(`campaign.done.${action}`, { name: after.name })); } catch (err) { fail(H.explain(err)); }
    }
    const api = call(K.key);
    let form = null;
    if (editing === "new") {
      form = html`<${Form} id=${`new-${kind}`} title=${t(`campaign.new.${kind}`)} spec=${K.create} start=${startOf(K.create)}
        send=${(body) => api("POST", K.path, body, { idempotent: true })} onDone=${done("campaign.done.created")} onCancel=${() => setEditing(null)} />`;
    } else if (editing) {
      const c = editing, spec = editSpec(kind, c), start = startOf(spec, c);
      const send = (body) => {
        const changed = { version: c.version };
        for (const [name, value] of Object.entries(body)) if (check(spec, start).body[name] !== value) changed[name] = value;
        if (Object.keys(changed).length === 1) return Promise.resolve(c);
        return api("PATCH", `${K.path}/${encodeURIComponent(c[K.key])}`, changed, { idempotent: true });
      };
      form = html`<${Form} id=${`edit-${kind}`} title=${t("campaign.edit", { id: c[K.key] })} spec=${spec} start=${{ ...start, addStock: "" }}
        note=${c.state === "scheduled" ? null : t("campaign.liveNote")} send=${send} onDone=${done("campaign.done.saved")} onCancel=${() => setEditing(null)} />`;
    }
    const gb = kind === "groupbuy";
    const cols = [[`f.${K.key}`, (c) => c[K.key]], ["f.name", (c) => c.name], ["col.price", (c) => `${yuan(c[K.price])} / ${yuan(c.originalPrice)}`],
      [gb ? "f.size" : "f.helpers", (c) => (gb ? c.size : c.helpers)], ["col.window", (c) => `${H.when(c.startsAt)} – ${H.when(c.endsAt)}`],
      ...(gb ? [["col.left", (c) => c.stockLeft ?? t("campaign.unlimited")], ["col.opened", (c) => c.opened], ["col.succeeded", (c) => c.succeeded]]
        : [["col.started", (c) => c.started], ["col.bought", (c) => c.bought]])];
    const btn = (action, label, onClick, cls = "secondary small") => html`<button type="button" class=${cls} data-action=${action} onClick=${onClick}>${t(label)}</button>`;
    const actions = (c) => (c.state === "ended" ? "–" : ending === c
      ? [html`<span>${t("campaign.endAsk", { name: c.name })}</span>`, btn("confirm-end", "campaign.confirmEnd", () => act(c, "end"), "small"),
        btn("cancel-end", "app.cancel", () => setEnding(null))]
      : [btn("edit", "app.edit", () => setEditing(c)), c.state === "paused" ? btn("resume", "campaign.resume", () => act(c, "resume"))
        : btn("pause", "campaign.pause", () => act(c, "pause")), btn("end", "campaign.end", () => setEnding(c))]);
    return html`<section class="campaign-kind">
      <div class="screen-head"><h3>${t(`campaign.${kind}`)}</h3>
        ${changer && !editing ? html`<button type="button" id=${`new-${kind}-open`} onClick=${() => setEditing("new")}>${t(`campaign.new.${kind}`)}</button>` : null}</div>
      ${form}
      ${rows === null ? html`<p class="status" role="status">${t("app.loading")}</p>` : html`<div class="scroll card">
        <table id=${gb ? "groupbuy-activities" : "bargain-campaigns"}><caption class="visually-hidden">${t(`campaign.${kind}`)}</caption>
          <thead><tr>${cols.map(([label]) => html`<th>${t(`campaign.${label}`)}</th>`)}<th>${t("campaign.col.state")}</th>${changer ? html`<th>${t("app.actions")}</th>` : null}</tr></thead>
          <tbody>${rows.length ? rows.map((c) => html`<tr data-state=${c.state} ...${{ [`data-${K.row}`]: c[K.key] }}>
            ${cols.map(([, value]) => html`<td>${value(c)}</td>`)}<td class="state">${t(`campaign.state.${c.state}`)}</td>
            ${changer ? html`<td class="row-actions">${actions(c)}</td>` : null}</tr>`) : html`<tr><td colspan="10">${t("campaign.none")}</td></tr>`}</tbody>
        </table></div>`}
    </section>`;
  }

  function Campaigns() {
    const [notice, setNotice] = useState("");
    const [failure, setFailure] = useState("");
    const changer = H.can("change");
    const say = (m) => { setFailure(""); setNotice(m); };
    const fail = (m) => { setNotice(""); setFailure(m); };
    // Loaded (for the tests) once both lists have answered.
    const [loaded, setLoaded] = useState({});
    const ready = (kind) => setLoaded((was) => ({ ...was, [kind]: true }));
    return html`<section class="screen-head"><h2>${t("nav.campaigns")}</h2></section>
      ${notice ? html`<p class="notice" role="status" id="campaign-notice">${notice}</p>` : null}
      ${failure ? html`<p class="error" role="alert" id="campaign-error">${failure}</p>` : null}
      <div data-loaded=${loaded.groupbuy && loaded.bargain ? "true" : "false"}>
        <${Kind} kind="groupbuy" changer=${changer} say=${say} fail=${fail} ready=${ready} />
        <${Kind} kind="bargain" changer=${changer} say=${say} fail=${fail} ready=${ready} /></div>`;
  }

  H.screens.push({ id: "campaigns", title: "nav.campaigns", capability: "read", component: Campaigns });
})();
