// 会员: find a member (GET operator/members), their card (…/{id}) with its lists paged by cursor
// (…/{id}/<list>); change roles erase (DELETE …/{id}) after typing the id. Phones arrive masked.
"use strict";
(function () {
  const { useState } = preactHooks;
  const H = window.Huiliu;
  const { html, t, yuan, when } = H;
  const USER_ID = /^u[a-z2-7]{24}$/;
  const PHONE = /^(\+86|0086)?\d{6,15}$/;
  const base = (id) => `operator/members/${encodeURIComponent(id)}`;
  const code = (prefix, value) => (value ? t(`${prefix}.${value}`) : "–");
  const yes = (b) => t(b ? "member.yes" : "member.no");
  const c = (k, fn) => [`member.c.${k}`, fn];
  const f = (k, v) => [`member.f.${k}`, v];
  const show = (v) => (v === null || v === undefined || v === "" ? "–" : String(v));

  // Each list of the card: its columns (message key, value of an item).
  const LISTS = {
    ledger: [c("at", (e) => when(e.at)), c("kind", (e) => code("member.kind", e.kind)),
      c("delta", (e) => (e.delta > 0 ? `+${e.delta}` : e.delta)), c("reason", (e) => e.reason),
      c("ref", (e) => e.ref), c("note", (e) => show(e.note || e.bucket))],
    orders: [c("orderId", (o) => o.orderId), c("amount", (o) => yuan(o.amount)), c("at", (o) => when(o.at))],
    coupons: [c("coupon", (c) => c.name), c("state", (c) => code("member.coupon", c.state)),
      c("source", (c) => c.source), c("issuedAt", (c) => when(c.issuedAt)),
      c("validUntil", (c) => when(c.validUntil)), c("orderId", (c) => show(c.orderId))],
    checkins: [c("day", (d) => d.day), c("kind", (d) => code("member.checkin", d.kind)),
      c("streak", (d) => d.streak), c("points", (d) => d.points), c("coupon", (d) => show(d.coupon))],
    journeys: [c("at", (s) => when(s.at)), c("journey", (s) => `${s.journey} / ${s.step}`),
      c("state", (s) => code("member.send", s.state)), c("reason", (s) => show(s.reason)),
      c("template", (s) => show(s.templateId))],
  };
  const CONSENTS = [c("template", (c) => c.templateId), c("credits", (c) => c.credits),
    c("answer", (c) => c.lastAnswer), c("at", (c) => when(c.updatedAt))];

  const Table = ({ id, columns, items }) => html`<div class="scroll"><table id=${id}>
    <thead><tr>${columns.map(([k]) => html`<th>${t(k)}</th>`)}</tr></thead>
    <tbody>${items.length ? items.map((item) => html`<tr>${columns.map(([, f]) => html`<td>${f(item)}</td>`)}</tr>`)
      : html`<tr><td colspan=${columns.length}>${t("member.empty")}</td></tr>`}</tbody></table></div>`;

  const Section = ({ name, children }) => html`<section class="card form" data-section=${name}>
    <h3>${t(`member.section.${name}`)}</h3>${children}</section>`;

  // Facts as label/value pairs.
  const Facts = ({ id, rows }) => html`<dl class="facts" id=${id}>${rows.map(([k, v]) =>
    html`<div><dt>${t(k)}</dt><dd data-fact=${k}>${show(v)}</dd></div>`)}</dl>`;

  function List({ userId, name, first }) {
    const [items, setItems] = useState(first.items);
    const [next, setNext] = useState(first.next);
    const [failure, setFailure] = useState("");
    async function more() {
      try {
        const page = await H.api("GET", `${base(userId)}/${name}?limit=20&cursor=${encodeURIComponent(next)}`);
        setItems([...items, ...page.items]);
        setNext(page.next);
      } catch (err) { setFailure(H.explain(err)); }
    }
    return html`<${Section} name=${name}><${Table} id=${`member-${name}`} columns=${LISTS[name]} items=${items} />
      ${next ? html`<button type="button" class="secondary small" data-more=${name} onClick=${more}>${t("member.more")}</button>` : null}
      ${failure ? html`<p class="error" role="alert">${failure}</p>` : null}<//>`;
  }

  function Erase({ userId, onDone }) {
    const [open, setOpen] = useState(false);
    const [typed, setTyped] = useState("");
    const [failure, setFailure] = useState("");
    const [busy, setBusy] = useState(false);
    async function submit(e) {
      e.preventDefault();
      if (typed.trim() !== userId) { setFailure(t("member.eraseMismatch")); return; }
      setBusy(true);
      try {
        await H.api("DELETE", base(userId), undefined, { idempotent: true });
        onDone();
      } catch (err) { setFailure(H.explain(err)); } finally { setBusy(false); }
    }
    if (!open) return html`<button type="button" id="member-erase-open" class="secondary" onClick=${() => setOpen(true)}>${t("member.erase")}</button>`;
    return html`<form id="member-erase" class="card form" onSubmit=${submit} noValidate>
      <h3>${t("member.erase")}</h3><p>${t("member.eraseWarn")}</p>
      <${H.Field} form="member-erase" name="confirm" label=${t("member.eraseConfirm", { id: userId })} error=${failure}>
        <input id="member-erase-confirm" name="confirm" autocomplete="off" value=${typed} onInput=${(e) => setTyped(e.target.value)}
          aria-invalid=${failure ? "true" : "false"} aria-describedby="member-erase-confirm-error" /><//>
      <div class="actions"><button type="submit" id="member-erase-submit" disabled=${busy || typed.trim() !== userId}>${t("member.eraseSubmit")}</button>
        <button type="button" class="secondary" onClick=${() => { setOpen(false); setTyped(""); setFailure(""); }}>${t("app.cancel")}</button></div>
    </form>`;
  }

  function Card({ card, onErased }) {
    const { profile: p, tier: r, activity: a, checkin: k } = card;
    return html`<div id="member-card" class="grid" data-member=${p.id}>
      <${Section} name="profile">
        <${Facts} id="member-profile" rows=${[f("id", p.id), f("phone", p.phone), f("level", code("member.level", p.level)),
          f("firstSeen", when(p.firstSeen)), f("lastActive", when(p.lastActive)), f("logins", p.logins),
          f("segment", a.segment), f("activeDays", a.activeDays), f("orders", a.orders),
          f("spend", yuan(a.spend)), f("privacy", a.privacyAgreed === null ? null : yes(a.privacyAgreed))]} />
        ${H.can("change") ? html`<${Erase} userId=${p.id} onDone=${onErased} />` : null}<//>
      <${Section} name="tier">
        <${Facts} id="member-tier" rows=${[f("tier", r.tierName), f("growth", r.growth),
          f("nextTier", r.nextTier ? `${r.nextTierName} (${r.growthNeeded})` : null), f("points", r.points),
          f("expiring", r.pointsExpiring ? `${r.pointsExpiring} · ${when(r.pointsExpiringAt)}` : null)]} /><//>
      <${Section} name="checkin">
        <${Facts} id="member-checkin" rows=${[f("streak", k.streak), f("totalDays", k.totalDays),
          f("lastDay", k.lastDay), f("cards", k.cards), f("reminder", yes(k.reminder))]} /><//>
      <${Section} name="consents"><${Table} id="member-consents" columns=${CONSENTS} items=${card.consents} /><//>
      ${Object.keys(LISTS).map((name) => html`<${List} key=${`${p.id}-${name}`} userId=${p.id} name=${name} first=${card[name]} />`)}
    </div>`;
  }

  function Members() {
    const [query, setQuery] = useState("");
    const [error, setError] = useState("");
    const [matches, setMatches] = useState(null);
    const [card, setCard] = useState(null);
    const [notice, setNotice] = useState("");
    const [busy, setBusy] = useState(false);

    async function open(id) {
      try { setCard(await H.api("GET", base(id))); } catch (err) { setCard(null); setError(H.explain(err)); }
    }

    async function search(e) {
      e.preventDefault();
      const q = query.replace(/[\s-]/g, "");
      const by = USER_ID.test(q) ? "userId" : PHONE.test(q) ? "phone" : null;
      setNotice(""); setCard(null); setMatches(null);
      if (!by) { setError(t("member.check")); return; }
      setError(""); setBusy(true);
      try {
        const found = (await H.api("GET", `operator/members?${by}=${encodeURIComponent(q)}`)).members;
        setMatches(found);
        if (found.length === 1) await open(found[0].id);
      } catch (err) { setError(H.explain(err)); } finally { setBusy(false); }
    }

    return html`<section class="screen-head"><h2>${t("nav.members")}</h2></section>
      <form id="member-search" class="card form" onSubmit=${search} noValidate data-loaded="true">
        <${H.Field} form="member-search" name="query" label=${t("member.query")} error=${error} hint=${t("member.hint")}>
          <input id="member-search-query" name="query" autocomplete="off" value=${query} onInput=${(e) => setQuery(e.target.value)}
            aria-invalid=${error ? "true" : "false"} aria-describedby="member-search-query-error" /><//>
        <div class="actions"><button type="submit" id="member-search-submit" disabled=${busy}>${t("member.find")}</button></div>
      </form>
      ${notice ? html`<p class="notice" role="status" id="member-notice">${notice}</p>` : null}
      ${matches && !matches.length ? html`<p class="status" role="status" id="member-none">${t("member.none")}</p>` : null}
      ${matches && matches.length > 1 ? html`<section class="card form"><${Table} id="member-matches" items=${matches}
        columns=${[f("id", (m) => html`<button type="button" class="secondary small" data-open=${m.id} onClick=${() => open(m.id)}>${m.id}</button>`),
          f("phone", (m) => m.phone), f("lastActive", (m) => when(m.lastActive))]} /></section>` : null}
      ${card ? html`<${Card} card=${card} onErased=${() => { setCard(null); setMatches(null); setNotice(t("member.erased")); }} />` : null}`;
  }

  H.screens.push({ id: "members", title: "nav.members", capability: "read", component: Members });
})();
