// 商品: list (paged, by category), edit (with the versions read: 409 if a sync moved it), import a
// CSV/JSON file's rows (the server checks them with the sync's rules; bad rows come back by number).
"use strict";
(function () {
  const { useState, useEffect } = preactHooks;
  const H = window.Huiliu;
  const { html, t, yuan, toFen, Field } = H;
  const STOCK = ["in_stock", "low", "out_of_stock"];
  const WRAP = { whiteSpace: "normal", minWidth: "14rem" };

  // Quoted cells may hold commas, quotes ("") and line breaks.
  function csv(text) {
    const rows = [];
    let row = [], cell = "", quoted = false;
    for (let i = 0; i < text.length; i += 1) {
      const c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') { cell += c; i += 1; } else if (c === '"') quoted = false; else cell += c;
      } else if (c === '"') quoted = true;
      else if (c === ",") { row.push(cell); cell = ""; } else if (c === "\n" || c === "\r") {
        if (c === "\r" && text[i + 1] === "\n") i += 1;
        row.push(cell); rows.push(row); row = []; cell = "";
      } else cell += c;
    }
    if (cell || row.length) { row.push(cell); rows.push(row); }
    return rows.filter((r) => r.some((v) => v.trim() !== ""));
  }

  function readFile(name, text) {
    text = text.replace(/^\uFEFF/, "");
    if (/\.json$/i.test(name)) {
      const doc = JSON.parse(text);
      // The order system's own document (PUT /server/catalogue, fen): a row a SKU, with its product.
      if (doc && Array.isArray(doc.skus)) {
        const of = Object.fromEntries((doc.products || []).map((p) => [p.productId, p]));
        const money = (fen) => (typeof fen === "number" ? yuan(fen) : undefined);
        return { firstRow: 1, rows: doc.skus.map((s) => {
          const p = of[s.productId] || {};
          return Object.fromEntries(Object.entries({ productId: s.productId, skuId: s.skuId, name: p.name, category: p.category,
            onSale: p.onSale, image: p.image, summary: p.summary, price: money(s.price), listPrice: money(s.listPrice), stock: s.stock })
            .filter(([, v]) => v !== undefined && v !== null));
        }) };
      }
      const rows = Array.isArray(doc) ? doc : doc && doc.rows;
      if (!Array.isArray(rows)) throw new Error(t("products.import.shape"));
      return { rows, firstRow: 1 };
    }
    const [head, ...body] = csv(text);
    if (!head) throw new Error(t("products.import.shape"));
    const names = head.map((h) => h.trim());
    return { rows: body.map((r) => Object.fromEntries(names.map((n, i) => [n, (r[i] || "").trim()]).filter(([, v]) => v !== ""))), firstRow: 2 };
  }

  function Importer({ onDone }) {
    const [busy, setBusy] = useState(false);
    const [failure, setFailure] = useState("");
    const [bad, setBad] = useState(null);
    async function pick(e) {
      const file = e.target.files[0];
      e.target.value = "";
      if (!file) return;
      setFailure(""); setBad(null); setBusy(true);
      try {
        const body = readFile(file.name, await file.text());
        const done = await H.api("POST", "operator/products/import", body);
        onDone(t("products.import.done", { ...done.counts, rows: done.rows.length }));
      } catch (err) {
        if (err instanceof H.ApiError && err.code === "IMPORT_ROWS_INVALID" && err.rows) setBad(err.rows);
        else setFailure(err instanceof H.ApiError ? H.explain(err) : t("products.import.unreadable", { message: err.message }));
      } finally { setBusy(false); }
    }
    return html`<div class="card form" id="product-import">
      <label for="product-import-file"><b>${t("products.import.title")}</b></label>
      <input type="file" id="product-import-file" accept=".csv,.json,text/csv,application/json" disabled=${busy} onChange=${pick} />
      <small class="hint">${t("products.import.hint")}</small>
      ${failure ? html`<p class="error" role="alert">${failure}</p>` : null}
      ${bad ? html`<p class="error" role="alert">${t("products.import.refused")}</p><div class="scroll"><table id="import-errors">
        <thead><tr><th>${t("products.import.row")}</th><th>${t("products.import.field")}</th><th>${t("products.import.why")}</th></tr></thead>
        <tbody>${bad.map((b) => html`<tr data-row=${b.row}><td>${b.row || "–"}</td><td>${b.field || "–"}</td><td style=${WRAP}>${b.message}</td></tr>`)}</tbody>
      </table></div>` : null}
    </div>`;
  }

  function Edit({ product, categories, onDone, onCancel }) {
    const [v, setV] = useState({ name: product.name, category: product.category, onSale: product.onSale,
      skus: product.skus.map((s) => ({ price: yuan(s.price), stock: s.stock })) });
    const [errors, setErrors] = useState({});
    const [busy, setBusy] = useState(false);
    const form = "edit-product";
    const setSku = (i, key, x) => setV({ ...v, skus: v.skus.map((s, j) => (j === i ? { ...s, [key]: x } : s)) });

    async function submit(e) {
      e.preventDefault();
      const found = {};
      const name = v.name.trim();
      if (!name || name.length > 60) found.name = t("products.check.name");
      const skus = product.skus.map((s, i) => {
        const fen = toFen(v.skus[i].price);
        if (fen === null || fen <= 0) found[`skus[${i}].price`] = t("products.check.price");
        return { skuId: s.skuId, version: s.version, price: fen, stock: v.skus[i].stock };
      });
      setErrors(found);
      if (Object.keys(found).length) return;
      setBusy(true);
      try {
        await H.api("PUT", `operator/products/${encodeURIComponent(product.productId)}`,
          { version: product.version, name, category: v.category, onSale: v.onSale, skus });
        onDone(t("products.saved", { name }));
      } catch (err) {
        // "…：name: …; skus[0].price: …": each part at its field.
        const out = {};
        if (err instanceof H.ApiError && err.status === 422 && err.detail) {
          for (const part of err.detail.replace(/^[^:：]*：/, "").split("; ")) {
            const at = /^([\w.[\]]+): (.*)$/.exec(part);
            const key = at && (at[1] === "version" ? "form" : at[1]);
            out[key && (key === "name" || key === "category" || key.startsWith("skus[")) ? key : "form"] = at ? at[2] : part;
          }
        } else out.form = H.explain(err);
        setErrors(out);
      } finally { setBusy(false); }
    }

    const F = (name, label, control, hint, error = errors[name]) => html`<${Field} form=${form} name=${name} label=${label} error=${error} hint=${hint}>${control}<//>`;
    const pick = (id, value, set, options) => html`<select id=${`${form}-${id}`} value=${value} onChange=${(e) => set(e.target.value)}>
      ${options.map(([k, label]) => html`<option value=${k}>${label}</option>`)}</select>`;
    return html`<form id=${form} class="card form" onSubmit=${submit} noValidate>
      <h3>${t("products.edit", { id: product.productId })}</h3>
      <div class="fields">
        ${F("name", t("products.col.name"), html`<input id=${`${form}-name`} value=${v.name} maxLength="60" onInput=${(e) => setV({ ...v, name: e.target.value })} />`)}
        ${F("category", t("products.col.category"), pick("category", v.category, (c) => setV({ ...v, category: c }), categories.map((c) => [c.categoryId, c.name])))}
        ${F("onSale", t("products.col.state"), pick("onSale", v.onSale ? "1" : "0", (x) => setV({ ...v, onSale: x === "1" }),
          [["1", t("products.state.onSale")], ["0", t("products.state.offSale")]]))}
        ${product.skus.map((s, i) => html`
          ${F(`sku${i}-price`, t("products.skuPrice", { sku: s.skuId }), html`<input id=${`${form}-sku${i}-price`} inputMode="decimal"
            value=${v.skus[i].price} onInput=${(e) => setSku(i, "price", e.target.value)} />`,
            s.listPrice ? t("products.listPrice", { price: yuan(s.listPrice) }) : t("products.yuan"), errors[`skus[${i}].price`] || errors[`skus[${i}].listPrice`])}
          ${F(`sku${i}-stock`, t("products.skuStock", { sku: s.skuId }), pick(`sku${i}-stock`, v.skus[i].stock, (x) => setSku(i, "stock", x),
            STOCK.map((k) => [k, t(`products.stock.${k}`)])), null, errors[`skus[${i}].stock`])}`)}
      </div>
      <${H.FieldError} id=${`${form}-form-error`} text=${errors.form} />
      <div class="actions">
        <button type="submit" disabled=${busy}>${t("app.save")}</button>
        <button type="button" class="secondary" onClick=${onCancel}>${t("app.cancel")}</button>
      </div>
    </form>`;
  }

  function Products() {
    const [page, setPage] = useState(null);
    const [category, setCategory] = useState("");
    const [cursors, setCursors] = useState([null]); // the cursor of each page shown so far
    const [failure, setFailure] = useState("");
    const [notice, setNotice] = useState("");
    const [editing, setEditing] = useState(null);
    const changer = H.can("change");

    async function load(cursor = cursors[cursors.length - 1], cat = category) {
      try {
        const q = new URLSearchParams({ limit: "20" });
        if (cat) q.set("category", cat);
        if (cursor) q.set("cursor", cursor);
        setPage(await H.api("GET", `operator/products?${q}`));
        setFailure("");
      } catch (err) { setFailure(H.explain(err)); }
    }
    useEffect(() => { load(); }, []);
    const filter = (e) => { setCategory(e.target.value); setCursors([null]); load(null, e.target.value); };
    const go = (list) => { setCursors(list); load(list[list.length - 1]); };
    const done = async (message) => { await load(); setEditing(null); setNotice(message); };
    const names = Object.fromEntries(((page && page.categories) || []).map((c) => [c.categoryId, c.name]));
    const price = (p) => {
      const low = p.skus.length ? p.skus[0].price : null, high = Math.max(...p.skus.map((s) => s.price));
      return low === null ? "–" : low === high ? yuan(low) : `${yuan(low)}–${yuan(high)}`;
    };
    const state = (p) => t(p.deleted ? "products.state.deleted" : p.onSale ? "products.state.onSale" : "products.state.offSale");

    return html`<section class="screen-head">
        <h2>${t("nav.products")}</h2>
        <label class="inline">${t("products.filter")}
          <select id="product-category" value=${category} onChange=${filter}>
            <option value="">${t("products.all")}</option>
            ${((page && page.categories) || []).map((c) => html`<option value=${c.categoryId}>${c.name}</option>`)}
          </select></label>
      </section>
      ${notice ? html`<p class="notice" role="status" id="product-notice">${notice}</p>` : null}
      ${failure ? html`<p class="error" role="alert" id="product-error">${failure}</p>` : null}
      ${changer && !editing ? html`<${Importer} onDone=${(m) => { setCursors([null]); setNotice(m); load(null); }} />` : null}
      ${editing ? html`<${Edit} product=${editing} categories=${page.categories} onDone=${done} onCancel=${() => setEditing(null)} />` : null}
      ${page === null ? html`<p class="status" role="status">${t("app.loading")}</p>` : html`<div class="scroll card">
        <table id="products" data-loaded="true">
          <caption class="visually-hidden">${t("nav.products")}</caption>
          <thead><tr><th>${t("products.col.id")}</th><th>${t("products.col.name")}</th><th>${t("products.col.category")}</th>
            <th>${t("products.col.price")}</th><th>${t("products.col.stock")}</th><th>${t("products.col.state")}</th>
            ${changer ? html`<th>${t("app.actions")}</th>` : null}</tr></thead>
          <tbody>${page.products.length ? page.products.map((p) => html`<tr data-product=${p.productId}>
            <td>${p.productId}</td><td>${p.name}</td><td>${names[p.category] || p.category}</td><td>${price(p)}</td>
            <td>${p.skus.map((s) => t(`products.stock.${s.stock}`)).join(" / ") || "–"}</td><td class="state">${state(p)}</td>
            ${changer ? html`<td>${p.deleted ? "–" : html`<button type="button" class="secondary small" data-action="edit"
              onClick=${() => { setNotice(""); setEditing(p); }}>${t("app.edit")}</button>`}</td>` : null}</tr>`)
            : html`<tr><td colspan=${changer ? 7 : 6}>${t("products.none")}</td></tr>`}</tbody>
        </table></div>
        <div class="pager actions">
          <button type="button" class="secondary small" disabled=${cursors.length < 2} onClick=${() => go(cursors.slice(0, -1))}>${t("products.prev")}</button>
          <button type="button" class="secondary small" id="products-next" disabled=${!page.next} onClick=${() => go([...cursors, page.next])}>${t("products.next")}</button>
        </div>`}`;
  }

  H.screens.push({ id: "products", title: "nav.products", capability: "read", component: Products });
})();
