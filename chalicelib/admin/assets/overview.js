// 数据概览: the retention dashboard (GET operator/metrics/all), drawn with Chart.js.
"use strict";
(function () {
  const { useState, useEffect } = preactHooks;
  const H = window.Huiliu;
  const { html, t, pct } = H;
  const COLOURS = { all: "#475569", journeys: "#c2410c", holdout: "#2563eb", muted: "#94a3b8", good: "#16a34a" };
  const MARKS = [0, 1, 2, 3, 4, 5, 6, 7, 10, 14, 21, 30];
  const charts = {};

  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    const canvas = document.getElementById(id);
    if (!canvas) return;
    config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...config.options };
    charts[id] = new Chart(canvas, config);
  }

  function drawAll(m) {
    const r = m.retention;
    const length = Math.max(...Object.values(r.curve).map((c) => c.length), 0);
    draw("chart-retention", {
      type: "line",
      data: {
        labels: Array.from({ length }, (_, i) => `D${i}`),
        datasets: ["journeys", "holdout", "all"].map((arm) => ({
          label: t(`overview.arm.${arm}`),
          data: r.curve[arm].map((x) => (x === null ? null : x * 100)),
          borderColor: COLOURS[arm], backgroundColor: COLOURS[arm], borderDash: arm === "all" ? [4, 4] : [],
          pointRadius: 2, spanGaps: true,
        })),
      },
      options: { scales: { y: { min: 0, title: { display: true, text: t("overview.axis.cohortActive") } } } },
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
        labels: c.bySource.map((s) => `${s.source} (${pct(s.rate)})`),
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
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: t("overview.axis.cameBack") } } } },
    });
  }

  function Tiles({ m }) {
    const curve = m.retention.curve.all;
    const lift = m.wakeup.all ? m.wakeup.all.returned : null;
    const items = [
      ["overview.tile.firstSeen", m.retention.cohorts.reduce((n, c) => n + c.size, 0)],
      ["overview.tile.d1", pct(curve[1])],
      ["overview.tile.d7", pct(curve[7])],
      ["overview.tile.d30", pct(curve[30])],
      ["overview.tile.activeDays", m.retention.activeDaysPerUser ?? "–"],
      ["overview.tile.repurchase", pct(m.repurchase.rate30)],
      ["overview.tile.couponRedemption", pct(m.coupons.rate)],
      ["overview.tile.groupbuy", pct(m.campaigns.groupbuy.successRate)],
      ["overview.tile.bargain", pct(m.campaigns.bargain.completionRate)],
      ["overview.tile.kFactor", m.campaigns.referral.kFactor],
      ["overview.tile.wakeupLift", lift && lift.lift !== null ? `${(lift.lift * 100).toFixed(1)} pt` : "–"],
    ];
    return html`<section class="tiles" id="tiles">${items.map(([label, value]) => html`<div class="tile"><b>${value}</b><small>${t(label)}</small></div>`)}</section>`;
  }

  function Heatmap({ cohorts }) {
    return html`<div class="scroll"><table id="heatmap">
      <thead><tr><th>${t("overview.firstSeen")}</th><th>${t("overview.users")}</th>${MARKS.map((d) => html`<th>D${d}</th>`)}</tr></thead>
      <tbody>${cohorts.map((c) => html`<tr><td>${c.day}</td><td>${c.size}</td>${MARKS.map((d) => {
        const x = c.curve[d];
        return x === undefined || x === null ? html`<td class="cell"></td>`
          : html`<td class="cell" style=${{ background: `rgba(194, 65, 12, ${Math.min(1, x * 1.6).toFixed(2)})` }}>${pct(x)}</td>`;
      })}</tr>`)}</tbody></table></div>`;
  }

  function Lift({ w }) {
    const cell = (x) => (x.lift === null ? "–" : html`<span class=${x.significant ? (x.lift > 0 ? "good" : "bad") : ""}>${(x.lift * 100).toFixed(1)} pt [${(x.ci95[0] * 100).toFixed(1)}, ${(x.ci95[1] * 100).toFixed(1)}]</span>`);
    return html`<div class="scroll"><table id="lift"><thead><tr><th>${t("overview.journey")}</th><th>${t("overview.treated")}</th><th>${t("overview.arm.holdout")}</th>
      <th>${t("overview.cameBack")}</th><th>${t("overview.arm.holdout")}</th><th>${t("overview.liftCi")}</th><th>${t("overview.ordered")}</th>
      <th>${t("overview.arm.holdout")}</th><th>${t("overview.liftCi")}</th></tr></thead>
      <tbody>${Object.keys(w).map((j) => html`<tr><td>${j}</td><td>${w[j].treated}</td><td>${w[j].holdout}</td><td>${pct(w[j].returned.treatedRate)}</td>
        <td>${pct(w[j].returned.holdoutRate)}</td><td>${cell(w[j].returned)}</td><td>${pct(w[j].ordered.treatedRate)}</td>
        <td>${pct(w[j].ordered.holdoutRate)}</td><td>${cell(w[j].ordered)}</td></tr>`)}</tbody></table></div>`;
  }

  function Behaviour({ b }) {
    return html`<div class="scroll"><table id="behaviour"><thead><tr><th>${t("overview.usersWho")}</th><th>${t("overview.userDays")}</th><th>${t("overview.ordered")}</th>
      <th>${t("overview.repurchased")}</th><th>${t("overview.referred")}</th></tr></thead>
      <tbody>${Object.entries(b).map(([k, v]) => html`<tr><td>${k}</td><td>${v.users}</td><td>${v.ordered} (${pct(v.orderedRate)})</td>
        <td>${v.repurchased} (${pct(v.repurchasedRate)})</td><td>${v.referred} (${pct(v.referredRate)})</td></tr>`)}</tbody></table></div>`;
  }

  function Overview() {
    const asked = new URLSearchParams(location.search);
    const [range, setRange] = useState({ from: asked.get("from") || "", to: asked.get("to") || "" });
    const [metrics, setMetrics] = useState(null);
    const [failure, setFailure] = useState("");
    const [loading, setLoading] = useState(true);

    async function load(wanted) {
      const query = new URLSearchParams();
      for (const name of ["from", "to"]) if (wanted[name]) query.set(name, wanted[name]);
      setLoading(true);
      setFailure("");
      try {
        const m = await H.api("GET", `operator/metrics/all?${query}`);
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
          <figure class="wide"><figcaption>${t("overview.chart.cohorts")}</figcaption><${Heatmap} cohorts=${metrics.retention.cohorts} /></figure>
          ${fig("chart-funnel", "overview.chart.funnel")}
          ${fig("chart-coupons", "overview.chart.coupons")}
          ${fig("chart-campaigns", "overview.chart.campaigns")}
          ${fig("chart-wakeup", "overview.chart.wakeup")}
          <figure class="wide"><figcaption>${t("overview.chart.lift")}</figcaption><${Lift} w=${metrics.wakeup} /></figure>
          <figure class="wide"><figcaption>${t("overview.chart.behaviour")}</figcaption><${Behaviour} b=${metrics.behaviour} /></figure>
        </section></div>` : null}`;
  }

  H.screens.push({ id: "overview", title: "nav.overview", capability: "read", component: Overview });
})();
