// 旅程: the journeys operators design (chalicelib/journeys/document.py), each edited as its document:
// trigger, entry rules, goal, and the steps as a vertical flow (a branch's targets chosen among the
// later steps, so the form cannot draw a loop). Every edit is checked by the API (debounced): its
// problems show at the field or step their path names, with who would enter today. A save names the
// version it was made on (409 when another came first); publish, pause, resume; the figures below.
// Terse on purpose: what the page loads of its own has a byte budget (tests/e2e/test_dashboard_assets.py).
"use strict";
(function () {
  const { useState, useEffect } = preactHooks;
  const H = window.Huiliu;
  const { html, t } = H;
  const API = "operator/journeys/";
  const ID = /^[a-z0-9][a-z0-9_-]{0,39}$/;
  const TRIG = { event: { name: "" }, fact: { fact: "order_paid" }, inactive: { days: 30 }, cart: { hours: 24 }, since_last_order: { days: 30 }, since_first_order: { days: 7 }, segment: { segment: "" } };
  // What each object's form holds, "name:kind": "[" a list of the objects of that name, "to" a later
  // step ("to?": or, left empty, the next one), "on" an event or fact; the other kinds are KIND's.
  const SPEC = {
    delay: "days:int hours:int window:bool", wait: "until:on timeoutHours:int then:to timeout:to?", split: "branches:[ otherwise:to?",
    random: "variants:[", send: "template page:opt coupon:opt marketing:bool", grant: "coupon:opt points:int", flag: "flag value:bool", exit: "",
    branches: "when:[ next:to", when: "fact op:op value:val key:opt", variants: "name weight:int next:to",
    entry: "once:bool everyDays:int holdoutPercent:int startsAt:time endsAt:time", goal: "on:on withinDays:int",
  };
  const TYPES = Object.keys(SPEC).slice(0, 8);
  const ON = { kind: "fact", fact: "order_paid" };
  const BLANK = { when: { fact: "orders", op: "gte", value: 1 }, variants: { name: "b", weight: 50, next: "" } };
  BLANK.branches = { when: [BLANK.when], next: "" };
  const STEP = { delay: { days: 1 }, wait: { until: ON, timeoutHours: 24, then: "" }, split: { branches: [BLANK.branches] }, random: { variants: [{ ...BLANK.variants, name: "a" }, BLANK.variants] },
    send: { template: "", marketing: true, fields: [["thing1", { text: "" }]] }, grant: { points: 10 }, flag: { flag: "", value: true } };
  const OPS = Object.entries({ eq: "=", ne: "≠", gt: ">", gte: "≥", lt: "<", lte: "≤", in: "∈" });
  const pt = (x) => `${x > 0 ? "+" : ""}${(x * 100).toFixed(1)}`;
  const key = (path) => path.reduce((s, p) => (p.toFixed ? `${s}[${p}]` : `${s}.${p}`), "$");
  const at = (v, path) => path.reduce((x, p) => x && x[p], v);
  // The path a problem names: its own, or the one in the API's words (`$.steps[2].days`, "at $.steps[1].then: …").
  const where = (p) => p.path || (/\$[.[][\w.[\]-]*/.exec(p.message) || [""])[0];
  const scalar = (x) => (/^-?\d+$/.test(x) ? +x : { true: true, false: false }[x] ?? x);
  // How a control shows a value, and reads back what is typed (a time in China's zone).
  const KIND = {
    opt: [(v) => v ?? "", (x) => x || undefined], int: [(v) => v ?? "", (x) => (/^\d+$/.test(x) ? +x : x || undefined)],
    time: [(v) => (v ? new Date(Date.parse(v) + 288e5).toISOString().slice(0, 16) : ""), (x) => (x ? `${x}:00+08:00` : undefined)],
    val: [(v) => [].concat(v ?? "").join(","), (x, op) => (op === "in" ? x.split(",").map(scalar) : scalar(x))],
  };
  // Defaults shown as the server reads them; a send step's fields as rows (a keyword renamed as typed keeps its place).
  const draft = (doc) => ({ ...doc, entry: { once: false, everyDays: 1, holdoutPercent: 10, ...doc.entry },
    steps: doc.steps.map((s) => ({ value: true, marketing: true, ...s, ...(s.fields && { fields: Object.entries(s.fields) }) })) });
  const body = (d) => ({ ...d, steps: d.steps.map(({ value, marketing, ...s }) => ({ ...s, ...(s.type === "flag" && { value }),
    ...(s.fields && { marketing, fields: Object.fromEntries(s.fields) }) })) });
  const NEW = { name: "", trigger: { kind: "fact", fact: "first_order" }, entry: { once: true }, steps: [{ type: "delay", id: "delay1", days: 1 }] };
  const status = (text) => html`<p class="status" role="status">${text || t("app.loading")}</p>`;

  function Editor({ id, form, onClose, onChange }) {
    const ro = !H.can("change");
    const [head, setHead] = useState(null);
    const [d, setD] = useState(id ? null : draft(NEW));
    const [jid, setJid] = useState(id);
    const [probs, setProbs] = useState([]);
    const [would, setWould] = useState(null);
    const [msg, setMsg] = useState([]);
    const [busy, setBusy] = useState(false);
    const take = (a) => { setHead(a); setD(draft(a.document)); };
    const load = () => H.api("GET", API + jid).then(take, (e) => setMsg(["", H.explain(e)]));
    useEffect(() => { if (id) load(); }, []);
    useEffect(() => {
      let live = true;
      // A body without a journey's shape is 422, its message naming the path.
      const timer = d && setTimeout(() => H.api("POST", `${API}${ID.test(jid) ? jid : "draft"}/check`, body(d))
        .then((a) => [a.problems, a.wouldEnter], (e) => [[{ message: e.status === 422 ? e.detail : H.explain(e) }]])
        .then(([p, w]) => { if (live) { setProbs(p); setWould(w); } }), 350);
      return () => { live = false; clearTimeout(timer); };
    }, [d]);
    if (!d) return status(msg[1]);

    // ``v`` undefined: the key deleted, the row removed.
    const set = (path, v) => setD((old) => {
      const c = structuredClone(old), o = at(c, path.slice(0, -1)), k = path[path.length - 1];
      if (v !== undefined) o[k] = v; else if (o.splice) o.splice(k, 1); else delete o[k];
      return c;
    });
    const shown = new Set();
    const says = (list) => list.map((p) => (shown.add(where(p)), p.message)).join(" ");
    const claim = (k) => { shown.add(k); return says(probs.filter((p) => where(p) === k)); };
    // What is wrong under ``pre`` and not shown at a field drawn before: at the step or section.
    const rest = (pre) => html`<${H.FieldError} text=${says(probs.filter((p) => { const w = where(p); return !shown.has(w) && w.startsWith(pre) && /^\W?$/.test(w.charAt(pre.length)); }))} />`;
    const btn = (action, onClick, cls = "secondary small") => !ro && html`<button type="button" class=${cls} data-action=${action} onClick=${onClick}>${t(`jn.${action.split(".")[0]}`)}</button>`;
    // One labelled control at ``path``; ``o``: kind, opts (a select's [value, label]), label, put.
    function inp(path, o = {}) {
      const k = key(path), v = at(d, path), [show, read] = KIND[o.kind] || [(x) => x ?? "", (x) => x];
      const a = { id: `j-${k}`, disabled: ro, onInput: (e) => (o.put || ((x) => set(path, x)))(o.kind === "bool" ? e.target.checked : o.opts ? e.target.value || undefined : read(e.target.value, at(d, [...path.slice(0, -1), "op"]))) };
      const c = o.kind === "bool" ? html`<input type="checkbox" ...${a} checked=${!!v} />`
        : o.opts ? html`<select ...${a} value=${v ?? ""}>${o.opts.map(([x, l]) => html`<option value=${x}>${l}</option>`)}</select>`
          : html`<input ...${a} type=${o.kind === "time" ? "datetime-local" : "text"} value=${show(v)} />`;
      return html`<${H.Field} form="j" name=${k} label=${t(o.label || `jn.f.${path[path.length - 1]}`)} error=${claim(k)}>${c}<//>`;
    }
    // An event or fact (a trigger, what a wait waits for, the goal): its kind, then what it takes.
    function trig(p, kinds) {
      const [param, start] = Object.entries(TRIG[at(d, p).kind])[0];
      return [inp([...p, "kind"], { opts: kinds.map((k) => [k, t(`jn.kind.${k}`)]), put: (k) => set(p, { kind: k, ...TRIG[k] }) }),
        inp([...p, param], param === "fact" ? { opts: form.facts.map((f) => [f, f]) } : { kind: start && "int" })];
    }
    // The controls of the object at ``path`` by its spec; ``i``: the step it is in (targets lie after it).
    const part = (path, spec, i) => spec.split(" ").filter(Boolean).map((f) => {
      const [name, kind] = f.split(":"), p = [...path, name], rows = at(d, p);
      if (kind === "[") {
        return html`${rows.map((x, j) => html`<div class="branch"><div class="fields">${part([...p, j], SPEC[name], i)}</div>
          ${rows[name === "variants" ? 2 : 1] && btn("remove", () => set([...p, j]))}</div>`)}${rows[4] ? null : btn(`add.${name}`, () => set([...p, rows.length], structuredClone(BLANK[name])))}`;
      }
      if (kind === "on") return trig(p, ["event", "fact"]);
      if (kind === "op") return inp(p, { opts: OPS });
      if (kind && kind[0] === "t" && kind[1] === "o") {
        return html`<div class="branch">${inp(p, { opts: [["", kind[2] ? t("jn.nextStep") : "–"], ...d.steps.slice(i + 1).map((s) => [s.id, s.id])] })}</div>`;
      }
      return inp(p, { kind });
    });
    // A send step's keywords: a fixed text or a source (with its fallback), the value against WeChat's limit.
    const fields = (s, p) => html`${s.fields.map(([kw, f], r) => {
      const fp = [...p, "fields", r], kind = (/^([a-z_]+?)[1-9]/.exec(kw) || [])[1], max = form.limits[kind];
      const src = f.source, val = src ? f.fallback : f.text, n = [...(val || "")].length;
      return html`<div class="branch fields" data-keyword=${kw}>${inp([...fp, 0], { label: "jn.f.keyword" })}
        ${inp([...fp, 1, "source"], { opts: [["", t("jn.fixed")], ...Object.keys(form.sources).filter((x) => !max || form.sources[x].includes(kind)).map((x) => [x, x])],
          put: (x) => set([...fp, 1], x ? { source: x, fallback: val || undefined } : { text: val || "" }) })}${inp([...fp, 1, src ? "fallback" : "text"], { kind: src && "opt" })}
        <p class="preview">${src && `{${src}} `}${val} <b class=${n > max ? "count bad" : "count"}>${n}/${max || "?"}</b></p>
        <${H.FieldError} text=${claim(`${key(p)}.fields.${kw}`)} />${s.fields[1] && btn("remove", () => set(fp))}</div>`;
    })}${s.fields[9] ? null : btn("add.field", () => set([...p, "fields", s.fields.length], [`thing${s.fields.length + 1}`, { text: "" }]))}`;
    const steps = (f) => setD((o) => ({ ...o, steps: f([...o.steps]) }));
    const add = (i, type) => {
      let n = 1;
      while (d.steps.some((x) => x.id === type + n)) n += 1;
      steps((s) => { s.splice(i + 1, 0, { type, id: type + n, ...structuredClone(STEP[type]) }); return s; });
    };
    const swap = (i) => steps((s) => { s.splice(i, 2, s[i + 1], s[i]); return s; });
    const step = (s, i) => html`<li class="record card" data-step=${s.id}>
      <div class="screen-head"><h4>${i + 1}. ${t(`jn.type.${s.type}`)}</h4><span class="row-actions">
        ${i > 0 && btn("up", () => swap(i - 1))}${d.steps[i + 1] && btn("down", () => swap(i))}${d.steps[1] && btn("remove", () => set(["steps", i]))}</span></div>
      <div class="fields">${inp(["steps", i, "id"])}${inp(["steps", i, "name"])}${part(["steps", i], SPEC[s.type], i)}</div>
      ${s.fields && fields(s, ["steps", i])}${rest(key(["steps", i]))}
      ${!ro && html`<div class="row-actions add-step"><select aria-label=${t("jn.f.type")}>${TYPES.map((x) => html`<option value=${x}>${t(`jn.type.${x}`)}</option>`)}</select>
        ${btn("add.step", (e) => add(i, e.target.previousElementSibling.value))}</div>`}</li>`;

    async function act(call, done) {
      setBusy(true);
      setMsg([]);
      try {
        const a = await call();
        take(a);
        setMsg([t(done || `jn.status.${a.status}`, { version: a.version })]);
        onChange();
      } catch (e) {
        if (e.status === 422) setProbs([{ message: e.detail }]);
        setMsg(["", e.status === 409 ? t("jn.stale") : H.explain(e)]);
      } finally { setBusy(false); }
    }
    function save(e) {
      e.preventDefault();
      if (ID.test(jid)) act(() => H.api("PUT", `${API}${jid}?expectedVersion=${head ? head.version : 0}`, body(d)), "jn.saved");
      else setMsg(["", t("jn.idRule")]);
    }
    const post = (action) => btn(action, () => act(() => H.api("POST", `${API}${jid}/${action}`, action === "publish" ? {} : undefined)));
    const dirty = !head || JSON.stringify(draft(head.document)) !== JSON.stringify(d);
    const sect = (name, body) => html`<fieldset class="rule-list"><legend>${t(`jn.${name}`)}</legend><div class="fields">${body}</div>${rest(`$.${name}`)}</fieldset>`;

    return html`<form id="jn-form" class="card form" onSubmit=${save}>
      <h3>${head ? `${head.name} · ${t("jn.version", { version: head.version, live: head.liveVersion || "–" })} · ${t(`jn.status.${head.status}`)}` : t("jn.new")}</h3>
        <div class="fields">${!head && html`<${H.Field} form="j" name="id" label=${t("jn.f.id")}><input id="j-id" value=${jid} onInput=${(e) => setJid(e.target.value.trim())} /><//>`}
          ${inp(["name"])}${inp(["description"])}</div>
        ${sect("trigger", trig(["trigger"], Object.keys(TRIG)))}${sect("entry", part(["entry"], SPEC.entry))}
        ${sect("goal", [inp(["goal"], { kind: "bool", put: (x) => set(["goal"], x ? { on: ON, withinDays: 7 } : undefined) }), d.goal && part(["goal"], SPEC.goal)])}
        <h4>${t("jn.steps")}</h4><ol class="records">${d.steps.map(step)}</ol>${rest("$")}
      <div role="status">${would && html`<p id="jn-would">${t("jn.would", { n: would.count ?? "?" })}</p>`}
        ${probs[0] && html`<ul class="error" id="jn-problems">${probs.map((p) => html`<li>${where(p)} ${p.message}</li>`)}</ul>`}
        ${msg[0] && html`<p class="notice" id="jn-notice">${msg[0]}</p>`}</div><${H.FieldError} id="jn-error" text=${msg[1]} />
      <div class="actions">${!ro && html`<button type="submit" id="jn-save" disabled=${busy || !dirty}>${t("jn.save")}</button>`}
        ${head && [post("publish"), head.status === "live" ? post("pause") : head.status === "paused" && post("resume")]}
        <button type="button" class="secondary" onClick=${onClose}>${t("app.cancel")}</button></div>
    </form>
    ${head && html`<p id="jn-versions">${t("jn.history")}: ${head.versions.map((v) => html`<span class="badge" data-version=${v.version}>v${v.version} ${H.when(v.savedAt)} ${v.savedBy}</span> `)}</p>
      <${Stats} id=${jid} key=${head.updatedAt} />`}`;
  }

  // Totals, the lift against the holdout (percentage points with the 95% interval, as the overview), and per step.
  function Stats({ id }) {
    const [s, setS] = useState(null);
    useEffect(() => { H.api("GET", `${API}${id}/stats`).then(setS, () => {}); }, []);
    if (!s) return null;
    const l = s.lift || {}, cols = ["reached", "sent", "skipped", "failed", "converted", "variants"];
    return html`<section class="card form" id="jn-stats"><h3>${t("jn.stats")}</h3>
      <dl class="facts">${["entered", "waiting", "converted"].map((k) => html`<div><dt>${t(`jn.s.${k}`)}</dt><dd>${s[k]}</dd></div>`)}
        <div><dt>${t("jn.s.lift")}</dt><dd id="jn-lift">${l.lift == null ? "–" : `${pt(l.lift)} pt · ${t("overview.ci", { low: pt(l.ci95[0]), high: pt(l.ci95[1]) })}`} · ${t("overview.n", { n: `${l.treatedN} / ${l.holdoutN}` })}</dd></div></dl>
      <div class="scroll"><table>
        <tr><th>${t("jn.steps")}</th>${cols.map((c) => html`<th>${t(`jn.s.${c}`)}</th>`)}</tr>
        ${s.steps.map((x) => html`<tr data-step=${x.id}><td>${x.id}</td>${cols.map((c) => html`<td>${x[c].toFixed ? x[c] : Object.entries(x[c]).join(" ") || 0}</td>`)}</tr>`)}
      </table></div></section>`;
  }

  function Journeys() {
    const [form, setForm] = useState(null);
    const [open, setOpen] = useState(null); // an id, "" for a new one
    const [error, setError] = useState("");
    const load = () => H.api("GET", API.slice(0, -1)).then(setForm, (e) => setError(H.explain(e)));
    useEffect(() => { load(); }, []);
    return html`<section class="screen-head"><h2>${t("nav.journeys")}</h2>
        ${H.can("change") && open === null && html`<button id="jn-new" onClick=${() => setOpen("")}>${t("jn.new")}</button>`}</section>
      ${!form ? status(error) : html`<div data-loaded="true">
        ${open !== null && html`<${Editor} key=${open} id=${open} form=${form} onClose=${() => setOpen(null)} onChange=${load} />`}
        <div class="scroll card"><table id="journeys">
          <tr>${["f.name", "col.status", "trigger", "history"].map((c) => html`<th>${t(`jn.${c}`)}</th>`)}<th>${t("app.actions")}</th></tr>
          ${form.journeys.map((j) => html`<tr data-journey=${j.id} data-status=${j.status}><td>${j.name} <span class="muted">${j.id}</span></td>
            <td><span class="badge">${t(`jn.status.${j.status}`)}</span></td><td>${j.trigger || "–"}</td><td>${t("jn.version", { version: j.version, live: j.liveVersion || "–" })}</td>
            <td><button class="secondary small" data-action="open" onClick=${() => setOpen(j.id)}>${t("jn.open")}</button></td></tr>`)}
          ${!form.journeys[0] && html`<tr><td colspan="5">${t("jn.none")}</td></tr>`}</table></div></div>`}`;
  }

  H.screens.push({ id: "journeys", title: "nav.journeys", capability: "read", component: Journeys });
})();
