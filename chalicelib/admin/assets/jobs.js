// 任务: the scheduled jobs (GET operator/jobs): each one's schedule, checkpoint and newest runs
// (when, how it ended, the counts it reported, whether it stopped at its time budget), and a run
// now (POST operator/jobs/{job}: 409 JOB_RUNNING while another run by hand is under way).
"use strict";
(function () {
  const { useState, useEffect } = preactHooks;
  const H = window.Huiliu;
  const { html, t } = H;
  const WRAP = { whiteSpace: "normal", minWidth: "14rem" };

  // A report's counts as "name value" pairs; nested parts (a worker's summary) flattened.
  const counts = (report, at = "") => Object.entries(report || {}).flatMap(([k, v]) => (
    v && typeof v === "object" ? counts(v, `${at}${k}.`) : v === null ? [] : [`${at}${k} ${v}`]));

  function Runs({ job }) {
    if (!job.runs.length) return html`<p class="muted">${t("jobs.noRuns")}</p>`;
    return html`<div class="scroll"><table class="runs">
      <thead><tr><th>${t("jobs.col.started")}</th><th>${t("jobs.col.finished")}</th><th>${t("jobs.col.outcome")}</th>
        <th>${t("jobs.col.trigger")}</th><th>${t("jobs.col.report")}</th></tr></thead>
      <tbody>${job.runs.map((r) => html`<tr data-run=${r.runId} data-outcome=${r.outcome}>
        <td>${H.when(r.startedAt)}</td><td>${H.when(r.finishedAt)}</td>
        <td>${t(`jobs.outcome.${r.outcome}`)}${r.stoppedAtBudget ? html` <span class="muted">${t("jobs.stopped")}</span>` : null}
          ${r.error ? html` <span class="bad">${r.error}</span>` : null}</td>
        <td>${r.trigger === "schedule" ? t("jobs.bySchedule") : r.trigger}</td>
        <td style=${WRAP}>${counts(r.report).join(" · ") || "–"}</td></tr>`)}</tbody>
    </table></div>`;
  }

  function Jobs() {
    const [jobs, setJobs] = useState(null);
    const [failure, setFailure] = useState("");
    const [notice, setNotice] = useState("");
    const [running, setRunning] = useState(null);
    const changer = H.can("change");

    async function load() {
      try {
        setJobs((await H.api("GET", "operator/jobs")).jobs);
        setFailure("");
      } catch (err) { setFailure(H.explain(err)); }
    }
    useEffect(() => { load(); }, []);

    async function run(job) {
      setNotice(""); setFailure(""); setRunning(job);
      try {
        await H.api("POST", `operator/jobs/${encodeURIComponent(job)}`);
        await load();
        setNotice(t("jobs.ran", { job }));
      } catch (err) { setFailure(H.explain(err)); } finally { setRunning(null); }
    }

    return html`<section class="screen-head"><h2>${t("nav.jobs")}</h2>
        <button type="button" class="secondary" onClick=${load}>${t("jobs.refresh")}</button></section>
      <p class="hint">${t("jobs.about")}</p>
      ${notice ? html`<p class="notice" role="status" id="job-notice">${notice}</p>` : null}
      ${failure ? html`<p class="error" role="alert" id="job-error">${failure}</p>` : null}
      ${jobs === null ? html`<p class="status" role="status">${t("app.loading")}</p>` : html`<ul class="records" id="jobs" data-loaded="true">
        ${jobs.map((j) => html`<li class="card record" data-job=${j.job}>
          <div class="record-head"><b>${t(`jobs.name.${j.job}`)}</b><code>${j.job}</code>
            <span class="muted">${t("jobs.schedule")} ${j.schedule}</span>
            <span class="muted">${t("jobs.checkpoint")} ${j.checkpoint ? `${j.checkpoint.cursor} (${H.when(j.checkpoint.updatedAt)})` : "–"}</span>
            ${changer ? html`<button type="button" class="small" data-action="run" disabled=${running !== null}
              onClick=${() => run(j.job)}>${running === j.job ? t("jobs.running") : t("jobs.run")}</button>` : null}</div>
          <${Runs} job=${j} /></li>`)}</ul>`}`;
  }

  H.screens.push({ id: "jobs", title: "nav.jobs", capability: "read", component: Jobs });
})();
