// 数据概览: the retention dashboard (GET operator/metrics/all), drawn with Chart.js.
"use strict";
(function () {
  const { useState, useEffect } = preactHooks;
  const H = window.Huiliu;
  const { html, t, pct } = H;
  const COLOURS = { all: "#475569", journeys: "#c2410c", holdout: "#2563eb", muted: "#94a3b8", good: "#16a34a" };
  const MARKS = [0, 1, 2, 3, 4, 5, 6, 7, 10, 14, 21, 30];
  const charts = {};
  // Chart.js (210 KB) is fetched when the overview first needs it, not by the page: the login form
  // and the other screens render without parsing it (the first render's budget is 1 s).
  let chartJs = null;
  const loadChartJs = () => chartJs || (chartJs = new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement("script"), { src: "admin/assets/chart.umd.min.js", onload: resolve });
    script.onerror = () => { chartJs = null; script.remove(); reject(new Error("chart.umd.min.js")); };
    document.head.append(script);
  }));
  // Every rate beside its whole (and an interval where the server gives one).
  const n = (x) => t("overview.n", { n: x ?? 0 });
  const ci = (c) => (c ? t("overview.ci", { low: pct(c[0]), high: pct(c[1]) }) : "");
  const pt = (x) => `${x > 0 ? "+" : ""}${(x * 100).toFixed(1)}`;

  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    const canvas = document.getElementById(id);
    if (!canvas) return;
    config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...config.options };
    charts[id] = new Chart(canvas, config);
  }

  const rangeQuery = (wanted) => {
    const query = new URLSearchParams();
    for (const name of ["from", "to"]) if (wanted[name]) query.set(name, wanted[name]);
    return String(query);
  };
  // A page that holds a session opens on the overview: its figures (and Chart.js) are asked for as
  // the script runs, beside the shell's GET /operator/me, not after it (the first render's budget).
  const asked = new URLSearchParams(location.search);
  const opening = { from: asked.get("from") || "", to: asked.get("to") || "" };
  let early = null;
  if (localStorage.getItem(H.SESSION_HINT) && ["", "overview"].includes(location.hash.replace(/^#\/?/, "").split("?")[0])) {
    early = { query: rangeQuery(opening), answer: H.api("GET", `operator/metrics/all?${rangeQuery(opening)}`) };
    early.answer.catch(() => {}); // a 401 is the shell's to tell (GET /operator/me meets it too)
    loadChartJs().catch(() => {});
  }

  function drawAll(m) {
    const r = m.retention;
    const length = Math.max(...Object.values(r.curve).map((c) => c.length), 0);
    draw("chart-retention", {
      type: "line",
      data: {
        labels: Array.from({ length }, (_, i) => `D${i}`),
        datasets: ["journeys", "holdout", "all"].map((arm) => ({
          label: `${t(`overview.arm.${arm}`)} (${n(r.curveN[arm][0])})`, arm,
          data: r.curve[arm].map((x) => (x === null ? null : x * 100)),
          borderColor: COLOURS[arm], backgroundColor: COLOURS[arm], borderDash: arm === "all" ? [4, 4] : [],
          pointRadius: 2, spanGaps: true,
        })),
      },
      options: {
        scales: { y: { min: 0, title: { display: true, text: t("overview.axis.cohortActive") } } },
        plugins: { tooltip: { callbacks: { label: (c) => `${t(`overview.arm.${c.dataset.arm}`)}: ${pct(c.parsed.y / 100)} (${n(r.curveN[c.dataset.arm][c.dataIndex])})` } } },
      },
    });
    const days = m.daily;
    draw("chart-daily", {
      type: "bar",
      data: {
        labels: days.map((d) => d.day.slice(5)),
        datasets: [
          { label: t("overview.arm.journeys"), data: days.map((d) => d.journeys || 0), backgroundColor: COLOURS.journeys, stack: "u", order: 2 },
          { label: t("overview.arm.holdout"), data: days.map((d) => d.holdout || 0), backgroundColor: COLOURS.holdout, stack: "u", order: 2 },
          { label: t("overview.paidOrders"), data: days.map((d) => d.paid || 0), type: "line", borderColor: COLOURS.good, backgroundColor: COLOURS.good, order: 1 },
        ],
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    });
    const f = m.funnel;
    draw("chart-funnel", {
      type: "bar",
      data: {
        labels: f.steps.map((s) => (s.fromPrevious === undefined ? t(`overview.step.${s.step}`) : `${t(`overview.step.${s.step}`)} (${pct(s.fromPrevious)})`)),
        datasets: [{ label: t("overview.userDays"), data: f.steps.map((s) => s.userDays), backgroundColor: COLOURS.journeys }],
      },
      options: { indexAxis: "y", plugins: { legend: { display: false } } },
    });
    const c = m.coupons;
    draw("chart-coupons", {
      type: "bar",
      data: {
        labels: c.bySource.map((s) => `${s.source} (${pct(s.rate)}, ${n(s.issued)})`),
        datasets: [
          { label: t("overview.issued"), data: c.bySource.map((s) => s.issued), backgroundColor: COLOURS.muted },
          { label: t("overview.redeemed"), data: c.bySource.map((s) => s.redeemed), backgroundColor: COLOURS.journeys },
        ],
      },
    });
    const k = m.campaigns;
    draw("chart-campaigns", {
      type: "bar",
      data: {
        labels: [t("overview.campaign.groupbuy"), t("overview.campaign.bargain"), t("overview.campaign.referral")],
        datasets: [
          { label: t("overview.campaign.succeeded"), backgroundColor: COLOURS.good,
            data: [k.groupbuy.succeeded || 0, k.bargain.completed || 0, k.referral.signups || 0] },
          { label: t("overview.campaign.failed"), backgroundColor: COLOURS.muted,
            data: [k.groupbuy.failed || 0, (k.bargain.ended || 0) - (k.bargain.completed || 0), k.referral.inviters || 0] },
        ],
      },
    });
    const w = m.wakeup;
    const journeys = Object.keys(w);
    draw("chart-wakeup", {
      type: "bar",
      data: {
        labels: journeys,
        datasets: [
          { label: t("overview.treated"), data: journeys.map((j) => (w[j].returned.treatedRate ?? 0) * 100), backgroundColor: COLOURS.journeys },
          { label: t("overview.arm.holdout"), data: journeys.map((j) => (w[j].returned.holdoutRate ?? 0) * 100), backgroundColor: COLOURS.holdout },
        ],
      },
      options: {
        scales: { y: { beginAtZero: true, title: { display: true, text: t("overview.axis.cameBack") } } },
        plugins: { tooltip: { callbacks: { label: (c) => {
          const x = w[journeys[c.dataIndex]].returned;
          return `${c.dataset.label}: ${pct(c.parsed.y / 100)} (${n(c.datasetIndex ? x.holdoutN : x.treatedN)})`;
        } } } },
      },
    });
  }

  function Tiles({ m }) {
    const mark = (k) => m.retention.marks[k];
    const lift = m.wakeup.all ? m.wakeup.all.returned : null;
    const issued = m.coupons.bySource.reduce((sum, s) => sum + s.issued, 0);
    const g = m.campaigns.groupbuy;
    // [label, value, the whole behind it (a rate's n), its 95% interval]
    const firstSeen = m.retention.cohorts.reduce((sum, c) => sum + c.size, 0);
    const items = [
      ["overview.tile.firstSeen", firstSeen],
      ...["d1", "d7", "d30"].map((k) => [`overview.tile.${k}`, pct(mark(k).rate), mark(k).n, mark(k).ci95]),
      ["overview.tile.activeDays", m.retention.activeDaysPerUser ?? "–", firstSeen],
      ["overview.tile.repurchase", pct(m.repurchase.rate30), m.repurchase.buyers30],
      ["overview.tile.couponRedemption", pct(m.coupons.rate), issued],
      ["overview.tile.groupbuy", pct(g.successRate), (g.succeeded || 0) + (g.failed || 0)],
      ["overview.tile.bargain", pct(m.campaigns.bargain.completionRate), m.campaigns.bargain.ended || 0],
      ["overview.tile.kFactor", m.campaigns.referral.kFactor, m.campaigns.referral.inviters || 0],
      lift && lift.lift !== null
        ? ["overview.tile.wakeupLift", `${pt(lift.lift)} pt`, `${lift.treatedN} / ${lift.holdoutN}`, lift.ci95, true]
        : ["overview.tile.wakeupLift", "–", lift ? `${lift.treatedN} / ${lift.holdoutN}` : 0],
    ];
    return html`<section class="tiles" id="tiles">${items.map(([label, value, whole, interval, points]) => html`<div class="tile">
      <b>${value}</b><small>${t(label)}</small>
      ${whole === undefined ? null : html`<small class="n">${n(whole)}${interval ? html`<br />${points ? t("overview.ci", { low: pt(interval[0]), high: pt(interval[1]) }) : ci(interval)}` : null}</small>`}
    </div>`)}</section>`;
  }

  function Heatmap({ cohorts }) {
    return html`<div class="scroll"><table id="heatmap">
      <thead><tr><th>${t("overview.firstSeen")}</th><th>${t("overview.users")}</th>${MARKS.map((d) => html`<th>D${d}</th>`)}</tr></thead>
      <tbody>${cohorts.map((c) => html`<tr><td>${c.day}</td><td>${c.size}</td>${MARKS.map((d) => {
        const x = c.curve[d];
        return x === undefined || x === null ? html`<td class="cell"></td>`
          // At most 0.8 of the orange: the dark figures keep a contrast of 5:1 (WCAG AA) on every cell.
          : html`<td class="cell" style=${{ background: `rgba(194, 65, 12, ${Math.min(0.8, x * 1.6).toFixed(2)})` }}>${pct(x)}</td>`;
      })}</tr>`)}</tbody></table></div>`;
  }

  function Lift({ w }) {
    const cell = (x) => (x.lift === null ? "–" : html`<span class=${x.significant ? (x.lift > 0 ? "good" : "bad") : ""}>${pt(x.lift)} pt [${pt(x.ci95[0])}, ${pt(x.ci95[1])}]</span>`);
    const share = (x, arm) => `${pct(x[`${arm}Rate`])} (${n(x[`${arm}N`])})`;
    return html`<div class="scroll"><table id="lift"><thead><tr><th>${t("overview.journey")}</th><th>${t("overview.treated")}</th><th>${t("overview.arm.holdout")}</th>
      <th>${t("overview.cameBack")}</th><th>${t("overview.arm.holdout")}</th><th>${t("overview.liftCi")}</th><th>${t("overview.ordered")}</th>
      <th>${t("overview.arm.holdout")}</th><th>${t("overview.liftCi")}</th></tr></thead>
      <tbody>${Object.keys(w).map((j) => html`<tr><td>${j}</td><td>${w[j].treated}</td><td>${w[j].holdout}</td><td>${share(w[j].returned, "treated")}</td>
        <td>${share(w[j].returned, "holdout")}</td><td>${cell(w[j].returned)}</td><td>${share(w[j].ordered, "treated")}</td>
        <td>${share(w[j].ordered, "holdout")}</td><td>${cell(w[j].ordered)}</td></tr>`)}</tbody></table></div>`;
  }

  function Behaviour({ b }) {
    return html`<div class="scroll"><table id="behaviour"><thead><tr><th>${t("overview.usersWho")}</th><th>${t("overview.userDays")}</th><th>${t("overview.ordered")}</th>
      <th>${t("overview.repurchased")}</th><th>${t("overview.referred")}</th></tr></thead>
      <tbody>${Object.entries(b).map(([k, v]) => html`<tr><td>${k}</td><td>${v.users}</td><td>${v.ordered}/${v.users} (${pct(v.orderedRate)})</td>
        <td>${v.repurchased}/${v.users} (${pct(v.repurchasedRate)})</td><td>${v.referred}/${v.users} (${pct(v.referredRate)})</td></tr>`)}</tbody></table></div>`;
  }

  function Overview() {
    const [range, setRange] = useState(opening);
    const [metrics, setMetrics] = useState(null);
    const [failure, setFailure] = useState("");
    const [loading, setLoading] = useState(true);

    async function load(wanted) {
      const query = rangeQuery(wanted);
      const pending = early && early.query === query ? early.answer : H.api("GET", `operator/metrics/all?${query}`);
      early = null; // asked once: a later load (another range, the screen opened again) asks afresh
      setLoading(true);
      setFailure("");
      try {
        const [m] = await Promise.all([pending, loadChartJs()]);
        setRange({ from: m.from, to: m.to });
        setMetrics(m);
      } catch (err) {
        setFailure(H.explain(err));
      } finally {
        setLoading(false);
      }
    }

    useEffect(() => { load(range); }, []);
    useEffect(() => {
      if (metrics) drawAll(metrics);
      return () => Object.keys(charts).forEach((id) => { charts[id].destroy(); delete charts[id]; });
    }, [metrics]);

    const fig = (id, caption) => html`<figure><figcaption>${t(caption)}</figcaption><div class="chart"><canvas id=${id} role="img" aria-label=${t(caption)}></canvas></div></figure>`;
    return html`<section class="screen-head">
        <h2>${t("nav.overview")}</h2>
        <form id="range" class="inline" onSubmit=${(e) => { e.preventDefault(); load(range); }}>
          <label>${t("overview.from")} <input type="date" name="from" value=${range.from} onInput=${(e) => setRange({ ...range, from: e.target.value })} /></label>
          <label>${t("overview.to")} <input type="date" name="to" value=${range.to} onInput=${(e) => setRange({ ...range, to: e.target.value })} /></label>
          <button type="submit">${t("overview.show")}</button>
        </form>
      </section>
      <p class="status" role="status" data-loaded=${!loading && metrics ? "true" : "false"}>${loading ? t("app.loading") : failure
        || (metrics.daysWithData ? t("overview.rolledUp", { days: metrics.daysWithData, through: metrics.rolledUpThrough }) : t("overview.noData"))}</p>
      ${failure ? html`<p class="error" role="alert">${failure}</p>` : null}
      ${metrics ? html`<div id="dashboard">
        <${Tiles} m=${metrics} />
        <section class="grid">
          ${fig("chart-retention", "overview.chart.retention")}
          ${fig("chart-daily", "overview.chart.daily")}
          ${fig("chart-wakeup", "overview.chart.wakeup")}
          ${fig("chart-funnel", "overview.chart.funnel")}
          ${fig("chart-coupons", "overview.chart.coupons")}
          ${fig("chart-campaigns", "overview.chart.campaigns")}
          <figure class="wide"><figcaption>${t("overview.chart.cohorts")}</figcaption><${Heatmap} cohorts=${metrics.retention.cohorts} /></figure>
          <figure class="wide"><figcaption>${t("overview.chart.lift")}</figcaption><${Lift} w=${metrics.wakeup} /></figure>
          <figure class="wide"><figcaption>${t("overview.chart.behaviour")}</figcaption><${Behaviour} b=${metrics.behaviour} /></figure>
        </section></div>` : null}`;
  }

  H.screens.push({ id: "overview", title: "nav.overview", capability: "read", component: Overview });
})();
