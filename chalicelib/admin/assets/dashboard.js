// The operator dashboard. The key comes from the login form or a one-time "#key=" fragment
// (fragments never reach a server or its logs) and stays in this tab's sessionStorage only.
"use strict";

const COLOURS = { all: "#475569", journeys: "#c2410c", holdout: "#2563eb", muted: "#94a3b8", good: "#16a34a" };
const KEY = "huiliu.operatorKey";
const $ = (id) => document.getElementById(id);
const pct = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)}%`);

function operatorKey() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("key");
  if (fromHash) {
    sessionStorage.setItem(KEY, fromHash);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY);
}

function status(text, state) {
  $("status").textContent = text;
  if (state) document.body.dataset.state = state;
}

async function load() {
  const key = operatorKey();
  if (!key) {
    $("login").hidden = false;
    status("", "login");
    return;
  }
  const range = new FormData($("range"));
  const query = new URLSearchParams();
  for (const name of ["from", "to"]) if (range.get(name)) query.set(name, range.get(name));
  status("Loading…", "loading");
  const answer = await fetch(`operator/metrics/all?${query}`, { headers: { Authorization: `Bearer ${key}` } });
  const body = await answer.json();
  if (answer.status === 401 || answer.status === 403) {
    sessionStorage.removeItem(KEY);
    $("login").hidden = false;
    status(body.error.message, "login");
    return;
  }
  if (!answer.ok) {
    status(`${body.error.code}: ${body.error.message}`, "error");
    return;
  }
  $("range").elements.from.value = body.from;
  $("range").elements.to.value = body.to;
  render(body);
  status(body.daysWithData ? `${body.daysWithData} days rolled up, through ${body.rolledUpThrough}.`
    : "No rolled-up days in this range yet: run the rollup (or make simulate).", "ready");
}

function render(m) {
  $("dashboard").hidden = false;
  tiles(m);
  retention(m.retention);
  daily(m.daily);
  heatmap(m.retention.cohorts);
  funnel(m.funnel);
  coupons(m.coupons);
  campaigns(m.campaigns);
  wakeup(m.wakeup);
  behaviour(m.behaviour);
}

function tiles(m) {
  const curve = m.retention.curve.all;
  const lift = m.wakeup.all ? m.wakeup.all.returned : null;
  const items = [
    ["Users first seen", m.retention.cohorts.reduce((n, c) => n + c.size, 0)],
    ["D1 retention", pct(curve[1])],
    ["D7 retention", pct(curve[7])],
    ["D30 retention", pct(curve[30])],
    ["Active days / user (30 d)", m.retention.activeDaysPerUser ?? "–"],
    ["Repurchase ≤30 d", pct(m.repurchase.rate30)],
    ["Coupon redemption", pct(m.coupons.rate)],
    ["Group-buy success", pct(m.campaigns.groupbuy.successRate)],
    ["Bargain completion", pct(m.campaigns.bargain.completionRate)],
    ["Referral K-factor", m.campaigns.referral.kFactor],
    ["Wake-up lift (return)", lift && lift.lift !== null ? `${(lift.lift * 100).toFixed(1)} pt` : "–"],
  ];
  $("tiles").replaceChildren(...items.map(([label, value]) => {
    const tile = document.createElement("div");
    tile.className = "tile";
    tile.innerHTML = "<b></b><small></small>";
    tile.querySelector("b").textContent = value;
    tile.querySelector("small").textContent = label;
    return tile;
  }));
}

const charts = {};
function draw(id, config) {
  if (charts[id]) charts[id].destroy();
  config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...config.options };
  charts[id] = new Chart($(id), config);
}

function retention(r) {
  const length = Math.max(...Object.values(r.curve).map((c) => c.length), 0);
  const labels = Array.from({ length }, (_, i) => `D${i}`);
  draw("chart-retention", {
    type: "line",
    data: {
      labels,
      datasets: ["journeys", "holdout", "all"].map((arm) => ({
        label: arm === "all" ? "everyone" : arm === "journeys" ? "journeys on" : "holdout (journeys off)",
        data: r.curve[arm].map((x) => (x === null ? null : x * 100)),
        borderColor: COLOURS[arm], backgroundColor: COLOURS[arm], borderDash: arm === "all" ? [4, 4] : [],
        pointRadius: 2, spanGaps: true,
      })),
    },
    options: { scales: { y: { min: 0, title: { display: true, text: "% of cohort active" } } } },
  });
}

function daily(days) {
  draw("chart-daily", {
    type: "bar",
    data: {
      labels: days.map((d) => d.day.slice(5)),
      datasets: [
        { label: "journeys on", data: days.map((d) => d.journeys || 0), backgroundColor: COLOURS.journeys, stack: "u" },
        { label: "holdout", data: days.map((d) => d.holdout || 0), backgroundColor: COLOURS.holdout, stack: "u" },
        { label: "paid orders", data: days.map((d) => d.paid || 0), type: "line", borderColor: COLOURS.good, backgroundColor: COLOURS.good },
      ],
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
  });
}

function heatmap(cohorts) {
  const table = document.createElement("table");
  const marks = [0, 1, 2, 3, 4, 5, 6, 7, 10, 14, 21, 30];
  table.innerHTML = `<thead><tr><th>first seen</th><th>users</th>${marks.map((d) => `<th>D${d}</th>`).join("")}</tr></thead>`;
  const body = document.createElement("tbody");
  for (const c of cohorts) {
    const row = document.createElement("tr");
    row.innerHTML = `<td>${c.day}</td><td>${c.size}</td>`;
    for (const d of marks) {
      const cell = document.createElement("td");
      cell.className = "cell";
      const x = c.curve[d];
      if (x !== undefined && x !== null) {
        cell.textContent = pct(x);
        cell.style.background = `rgba(194, 65, 12, ${Math.min(1, x * 1.6).toFixed(2)})`;
      }
      row.append(cell);
    }
    body.append(row);
  }
  table.append(body);
  $("heatmap").replaceChildren(table);
}

function funnel(f) {
  draw("chart-funnel", {
    type: "bar",
    data: {
      labels: f.steps.map((s) => (s.fromPrevious === undefined ? s.step : `${s.step} (${pct(s.fromPrevious)})`)),
      datasets: [{ label: "user-days", data: f.steps.map((s) => s.userDays), backgroundColor: COLOURS.journeys }],
    },
    options: { indexAxis: "y", plugins: { legend: { display: false } } },
  });
}

function coupons(c) {
  draw("chart-coupons", {
    type: "bar",
    data: {
      labels: c.bySource.map((s) => `${s.source} (${pct(s.rate)})`),
      datasets: [
        { label: "issued", data: c.bySource.map((s) => s.issued), backgroundColor: COLOURS.muted },
        { label: "redeemed", data: c.bySource.map((s) => s.redeemed), backgroundColor: COLOURS.journeys },
      ],
    },
  });
}

function campaigns(c) {
  draw("chart-campaigns", {
    type: "bar",
    data: {
      labels: ["group-buy groups", "bargains", "referrals"],
      datasets: [
        { label: "succeeded / completed / signed up", backgroundColor: COLOURS.good,
          data: [c.groupbuy.succeeded || 0, c.bargain.completed || 0, c.referral.signups || 0] },
        { label: "failed / not completed / inviters", backgroundColor: COLOURS.muted,
          data: [c.groupbuy.failed || 0, (c.bargain.ended || 0) - (c.bargain.completed || 0), c.referral.inviters || 0] },
      ],
    },
  });
}

function wakeup(w) {
  const journeys = Object.keys(w);
  draw("chart-wakeup", {
    type: "bar",
    data: {
      labels: journeys,
      datasets: [
        { label: "treated", data: journeys.map((j) => (w[j].returned.treatedRate ?? 0) * 100), backgroundColor: COLOURS.journeys },
        { label: "holdout", data: journeys.map((j) => (w[j].returned.holdoutRate ?? 0) * 100), backgroundColor: COLOURS.holdout },
      ],
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: "% came back within 7 days" } } } },
  });
  const rows = journeys.map((j) => {
    const r = w[j].returned, o = w[j].ordered;
    const cell = (x) => (x.lift === null ? "–"
      : `<span class="${x.significant ? (x.lift > 0 ? "good" : "bad") : ""}">${(x.lift * 100).toFixed(1)} pt [${(x.ci95[0] * 100).toFixed(1)}, ${(x.ci95[1] * 100).toFixed(1)}]</span>`);
    return `<tr><td>${j}</td><td>${w[j].treated}</td><td>${w[j].holdout}</td><td>${pct(r.treatedRate)}</td><td>${pct(r.holdoutRate)}</td>
      <td>${cell(r)}</td><td>${pct(o.treatedRate)}</td><td>${pct(o.holdoutRate)}</td><td>${cell(o)}</td></tr>`;
  });
  $("lift").innerHTML = `<thead><tr><th>journey</th><th>treated</th><th>holdout</th><th>came back</th><th>holdout</th>
    <th>lift [95% CI]</th><th>ordered</th><th>holdout</th><th>lift [95% CI]</th></tr></thead><tbody>${rows.join("")}</tbody>`;
}

function behaviour(b) {
  const rows = Object.entries(b).map(([k, v]) => `<tr><td>${k}</td><td>${v.users}</td><td>${v.ordered} (${pct(v.orderedRate)})</td>
    <td>${v.repurchased} (${pct(v.repurchasedRate)})</td><td>${v.referred} (${pct(v.referredRate)})</td></tr>`);
  $("behaviour").innerHTML = `<thead><tr><th>users who…</th><th>user-days</th><th>ordered</th><th>repurchased</th><th>brought a referral</th></tr></thead>
    <tbody>${rows.join("")}</tbody>`;
}

$("login").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY, new FormData(e.target).get("key"));
  $("login").hidden = true;
  load();
});
const asked = new URLSearchParams(location.search);
for (const name of ["from", "to"]) if (asked.get(name)) $("range").elements[name].value = asked.get(name);
$("range").addEventListener("submit", (e) => {
  e.preventDefault();
  load();
});
load().catch((err) => status(`Could not load the metrics: ${err.message}`, "error"));
