// 规则: each rule book as a form built from the JSON Schema the API answers with it (the ranges are
// the server's types, copied nowhere), defaults beside the values, versions and rollback. A save
// names the version it was made on: a stale one is refused (409).
"use strict";
(function () {
  const { useState, useEffect } = preactHooks;
  const H = window.Huiliu;
  const { html, t } = H;
  const BOOKS = ["membership", "checkin", "referral", "segments", "wakeup"];
  const label = (n) => { const k = `rules.f.${n}`; return t(k) === k ? n : t(k); };
  const keyOf = (path) => path.reduce((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${p}` : p), "");
  const at = (v, path) => path.reduce((x, p) => (x == null ? undefined : x[p]), v);
  const show = (v) => (v == null ? t("rules.none") : typeof v === "boolean" ? t(v ? "rules.yes" : "rules.no") : String(v));
  const entries = (o, f) => Object.fromEntries(Object.entries(o).map(([k, n]) => [k, f(k, n)]));

  // A node with its $ref resolved and a nullable (anyOf [x, null]) unwrapped.
  function resolve(root, node) {
    const nullable = Boolean(node.anyOf && node.anyOf.some((n) => n.type === "null"));
    if (node.anyOf) node = node.anyOf.find((n) => n.type !== "null");
    return { ...(node.$ref ? root.$defs[node.$ref.split("/").pop()] : node), nullable };
  }
  const isList = (s) => s.type === "array" || Boolean(s.additionalProperties);

  // The draft a form edits: leaves as typed text (booleans as they are), maps as [key, value] rows.
  function draft(root, node, v) {
    const s = resolve(root, node);
    if (s.properties) return entries(s.properties, (k, n) => draft(root, n, v ? v[k] : undefined));
    if (s.type === "array") return (v || []).map((x) => draft(root, s.items, x));
    if (s.additionalProperties) return Object.entries(v || {}).map(([k, x]) => [k, draft(root, s.additionalProperties, x)]);
    return s.type === "boolean" ? Boolean(v) : v == null ? "" : String(v);
  }

  // The draft as the API's document; what the schema refuses goes to ``errors`` by path.
  function read(root, node, d, path, errors) {
    const s = resolve(root, node);
    const fail = (key, params) => { errors[keyOf(path)] = t(`rules.check.${key}`, params); };
    if (s.properties) return entries(s.properties, (k, n) => read(root, n, d[k], [...path, k], errors));
    if (s.type === "array") {
      if (d.length < (s.minItems ?? 0) || d.length > (s.maxItems ?? 1e9)) fail("rows", { min: s.minItems ?? 0, max: s.maxItems ?? "∞" });
      return d.map((x, i) => read(root, s.items, x, [...path, i], errors));
    }
    if (s.additionalProperties) {
      const out = {};
      const names = s.propertyNames || {};
      d.forEach(([k, x], i) => {
        if (!k || k.length > names.maxLength || k in out) fail("key", { max: names.maxLength });
        out[k] = read(root, s.additionalProperties, x, [...path, i, 1], errors);
      });
      return out;
    }
    if (s.type === "boolean") return d;
    const text = String(d).trim();
    if (!text) { if (s.nullable) return null; if (s.type === "string" && !s.minLength) return ""; fail("required"); return null; }
    if (s.type === "string") {
      if (text.length < (s.minLength ?? 0) || text.length > s.maxLength) fail("length", { min: s.minLength ?? 0, max: s.maxLength });
      return text;
    }
    const n = (s.type === "integer" ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/).test(text) ? Number(text) : NaN;
    if (!(n >= s.minimum && n <= s.maximum)) fail(s.type, { min: s.minimum, max: s.maximum });
    return n;
  }

  function blank(root, node) {
    const s = resolve(root, node);
    if (s.properties) return entries(s.properties, (k, n) => blank(root, n));
    return isList(s) ? [] : s.type === "boolean" ? false : s.nullable || s.minimum === undefined ? "" : String(s.minimum);
  }

  // One value of the book; ``c``: its name, schema, defaults, errors, setAt, readOnly.
  function Editor({ c, node, d, path }) {
    const s = resolve(c.root, node);
    const key = keyOf(path);
    const id = `rules-${c.book}-${key}`;
    const err = c.errors[key];
    const name = label(path.filter((p) => typeof p === "string").pop());
    const sub = (n, v, p) => html`<${Editor} c=${c} node=${n} d=${v} path=${p} />`;
    const button = (action, onClick) => (c.readOnly ? null : html`<button type="button" class="secondary small" data-action=${action} onClick=${onClick}>${t(`rules.${action}`)}</button>`);
    if (s.properties) {
      const inner = html`<div class="fields">${Object.entries(s.properties).map(([k, n]) => sub(n, d[k], [...path, k]))}</div>`;
      return typeof path[path.length - 1] === "string" ? html`<fieldset class="rule-list" data-field=${key}><legend>${name}</legend>${inner}</fieldset>` : inner;
    }
    if (isList(s)) {
      const map = s.type !== "array";
      return html`<fieldset class="rule-list field" data-field=${key} id=${id}><legend>${name}</legend>
        ${d.map((row, i) => html`<fieldset class="rule-row" data-row=${i}><legend>${map ? "" : `#${i + 1}`}</legend>
          ${map ? html`<input aria-label=${t("rules.key")} value=${row[0]} disabled=${c.readOnly} onInput=${(e) => c.setAt([...path, i, 0], e.target.value)} />` : null}
          ${map ? sub(s.additionalProperties, row[1], [...path, i, 1]) : sub(s.items, row, [...path, i])}
          ${button("removeRow", () => c.setAt(path, d.filter((_, j) => j !== i)))}</fieldset>`)}
        ${button("addRow", () => c.setAt(path, [...d, map ? ["", blank(c.root, s.additionalProperties)] : blank(c.root, s.items)]))}
        <${H.FieldError} id=${`${id}-error`} text=${err} /></fieldset>`;
    }
    const fallback = path[path.length - 1] === 1 && typeof path[path.length - 2] === "number" ? undefined : at(c.defaults, path);
    const hint = [fallback !== undefined ? t("rules.default", { value: show(fallback) }) : "",
      s.minimum !== undefined ? `${s.minimum}–${s.maximum}` : s.maxLength ? t("rules.chars", { max: s.maxLength }) : "",
      s.nullable ? t("rules.emptyIsNone") : ""].filter(Boolean).join(" · ");
    const control = s.type === "boolean"
      ? html`<input type="checkbox" id=${id} checked=${d} disabled=${c.readOnly} onChange=${(e) => c.setAt(path, e.target.checked)} />`
      : html`<input id=${id} value=${d} disabled=${c.readOnly} inputMode=${s.type === "string" ? null : "decimal"} aria-invalid=${err ? "true" : "false"}
          aria-describedby=${`${id}-error`} onInput=${(e) => c.setAt(path, e.target.value)} />`;
    return html`<${H.Field} form=${`rules-${c.book}`} name=${key} label=${name} error=${err} hint=${hint}>${control}<//>`;
  }

  function Rules() {
    const [name, setName] = useState(BOOKS[0]);
    const [book, setBook] = useState(null);
    const [d, setD] = useState(null);
    const [history, setHistory] = useState([]);
    const [errors, setErrors] = useState({});
    const [notice, setNotice] = useState("");
    const [busy, setBusy] = useState(false);
    const changer = H.can("change");
    const path = `operator/rules/${name}`;

    async function load() {
      try {
        const [b, v] = await Promise.all([H.api("GET", path), H.api("GET", `${path}/versions?limit=10`)]);
        setBook(b); setD(draft(b.schema, b.schema, b.effective)); setHistory(v.versions); setErrors({});
      } catch (err) { setErrors({ form: H.explain(err) }); }
    }
    useEffect(() => { setBook(null); setNotice(""); load(); }, [name]);
    const setAt = (p, value) => setD((old) => {
      const copy = structuredClone(old);
      at(copy, p.slice(0, -1))[p[p.length - 1]] = value;
      return copy;
    });

    // The API's refusal at the field its path names (`$.tiers[1].threshold`), else the list it names, else the form.
    function placed(err) {
      if (!(err instanceof H.ApiError) || err.status !== 422) return { form: H.explain(err) };
      const detail = err.detail || "";
      let key = (/`\$\.?([^`]*)`/.exec(detail) || ["", ""])[1].replace("[...]", "");
      while (key && !document.querySelector(`[data-field="${key}"]`)) key = key.replace(/(\.[^.[]*|\[\d+\])$/, "");
      return { [key || Object.keys(resolve(book.schema, book.schema).properties).find((k) => detail.includes(k)) || "form"]: detail };
    }

    async function act(call, message) {
      setNotice("");
      setBusy(true);
      try {
        const answer = await call();
        await load();
        setNotice(message(answer));
      } catch (err) { setErrors(placed(err)); } finally { setBusy(false); }
    }
    function save(e) {
      e.preventDefault();
      const found = {};
      const body = read(book.schema, book.schema, d, [], found);
      setErrors(found);
      if (!Object.keys(found).length) {
        act(() => H.api("PUT", `${path}?expectedVersion=${book.version}`, body), (a) => t("rules.saved", { version: a.version }));
      }
    }
    const rollback = (version) => act(() => H.api("POST", `${path}/rollback`, { version, expectedVersion: book.version }),
      (a) => t("rules.rolledBack", { from: version, version: a.version }));

    return html`<section class="screen-head"><h2>${t("nav.rules")}</h2>
        <div class="row-actions">${BOOKS.map((b) => html`<button type="button" id=${`book-${b}`} aria-pressed=${String(b === name)}
          class=${b === name ? "small" : "secondary small"} onClick=${() => setName(b)}>${t(`rules.book.${b}`)}</button>`)}</div></section>
      ${notice ? html`<p class="notice" role="status" id="rules-notice">${notice}</p>` : null}
      ${!book ? html`<p class="status" role="status">${errors.form || t("app.loading")}</p>` : html`<form id=${`rules-${name}`} class="card form" onSubmit=${save} noValidate data-loaded="true">
        <h3>${t(`rules.book.${name}`)} <span class="muted" id="rules-version">${t("rules.version", { version: book.version })}${book.default ? ` · ${t("rules.noVersions")}` : ""}</span></h3>
        <${Editor} c=${{ book: name, root: book.schema, setAt, errors, defaults: book.defaults, readOnly: !changer }} node=${book.schema} d=${d} path=${[]} />
        <${H.FieldError} id="rules-form-error" text=${errors.form} />
        ${changer ? html`<div class="actions"><button type="submit" id="rules-save" disabled=${busy}>${t("app.save")}</button>
          <button type="button" class="secondary" onClick=${load}>${t("rules.reload")}</button></div>` : null}
      </form>
      <div class="scroll card" tabindex="0"><table id="rule-versions"><caption class="visually-hidden">${t("rules.history")}</caption>
        <thead><tr><th>${t("rules.col.version")}</th><th>${t("rules.col.savedAt")}</th><th>${t("rules.col.savedBy")}</th>${changer ? html`<th>${t("app.actions")}</th>` : null}</tr></thead>
        <tbody>${history.length ? null : html`<tr><td colspan="4">${t("rules.noVersions")}</td></tr>`}${history.map((v) => html`<tr data-version=${v.version}>
          <td>${v.version}${v.version === book.version ? ` · ${t("rules.current")}` : ""}${v.rollbackOf ? ` · ${t("rules.rollbackOf", { version: v.rollbackOf })}` : ""}</td>
          <td>${H.when(v.savedAt)}</td><td>${v.savedBy.name || "–"}</td>
          ${changer ? html`<td>${v.version === book.version ? null : html`<button type="button" class="secondary small" data-action="rollback" disabled=${busy} onClick=${() => rollback(v.version)}>${t("rules.rollback")}</button>`}</td>` : null}</tr>`)}</tbody>
      </table></div>`}`;
  }

  H.screens.push({ id: "rules", title: "nav.rules", capability: "read", component: Rules });
})();
