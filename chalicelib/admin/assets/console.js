// The console's shell: login, the session (cookie + CSRF token in memory), navigation by role,
// the language switch and the screens registered by the other scripts (window.Huiliu.screens).
"use strict";
(function () {
  const { render } = preact;
  const { useState, useEffect } = preactHooks;
  const H = window.Huiliu;
  const { html, t } = H;

  function setState(state) {
    document.body.dataset.state = state;
  }

  function Login({ notice, onDone }) {
    const [name, setName] = useState("");
    const [password, setPassword] = useState("");
    const [errors, setErrors] = useState({});
    const [busy, setBusy] = useState(false);

    async function submit(e) {
      e.preventDefault();
      const found = {};
      if (!name.trim()) found.name = t("login.nameRequired");
      if (!password) found.password = t("login.passwordRequired");
      setErrors(found);
      if (Object.keys(found).length) return;
      setBusy(true);
      try {
        const answer = await H.api("POST", "operator/login", { name: name.trim(), password });
        onDone(answer);
      } catch (err) {
        setErrors({ form: H.explain(err) });
        setPassword("");
      } finally {
        setBusy(false);
      }
    }

    return html`<form id="login" class="card login" onSubmit=${submit} noValidate>
      <h2>${t("login.title")}</h2>
      ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
      <label>${t("login.name")}
        <input name="name" autocomplete="username" value=${name} onInput=${(e) => setName(e.target.value)}
          aria-invalid=${errors.name ? "true" : "false"} aria-describedby="login-name-error" />
      </label>
      <${H.FieldError} id="login-name-error" text=${errors.name} />
      <label>${t("login.password")}
        <input name="password" type="password" autocomplete="current-password" value=${password}
          onInput=${(e) => setPassword(e.target.value)} aria-invalid=${errors.password ? "true" : "false"}
          aria-describedby="login-password-error" />
      </label>
      <${H.FieldError} id="login-password-error" text=${errors.password} />
      <${H.FieldError} id="login-error" text=${errors.form} />
      <button type="submit" disabled=${busy}>${busy ? t("login.busy") : t("login.submit")}</button>
    </form>`;
  }

  function LanguageSwitch({ onChange }) {
    return html`<label class="lang">${t("app.language")}
      <select value=${H.lang()} onChange=${(e) => onChange(e.target.value)}>
        ${H.LANGS.map((l) => html`<option value=${l}>${t(`lang.${l}`)}</option>`)}
      </select>
    </label>`;
  }

  const route = () => location.hash.replace(/^#\/?/, "").split("?")[0];
  // A reload keeps the cookie, not the CSRF token: GET /operator/me answers it again, asked as the
  // script runs rather than after the first paint (settled, never rejected: the effect reads it).
  const me = localStorage.getItem(H.SESSION_HINT)
    ? H.api("GET", "operator/me").then((answer) => ({ answer }), (err) => ({ err })) : null;

  function App() {
    const [phase, setPhase] = useState("loading");
    const [notice, setNotice] = useState("");
    const [screen, setScreen] = useState(route());
    const [, setLang] = useState(H.lang());
    const [, setRole] = useState(null);

    useEffect(() => {
      H.listeners.unauthorized = (err) => {
        setNotice(H.explain(err));
        setPhase("login");
      };
      H.listeners.forbidden = () => H.api("GET", "operator/me").then((me) => {
        H.session.csrf = me.csrfToken;
        H.session.operator = me.operator;
        setRole(me.operator.role); // the navigation and the change buttons follow the role stored now
      }).catch(() => {});
      const onHash = () => setScreen(route());
      addEventListener("hashchange", onHash);
      if (!me) {
        setPhase("login");
        return () => removeEventListener("hashchange", onHash);
      }
      me.then(({ answer, err }) => {
        if (err) {
          setNotice(err.status === 401 ? "" : H.explain(err));
          setPhase("login");
          return;
        }
        H.session.csrf = answer.csrfToken;
        H.session.operator = answer.operator;
        setPhase("ready");
      });
      return () => removeEventListener("hashchange", onHash);
    }, []);

    useEffect(() => setState(phase), [phase]);

    function changeLanguage(l) {
      H.loadLanguage(l).then(() => setLang(H.lang()));
    }

    async function logout() {
      try {
        await H.api("POST", "operator/logout");
      } catch (err) {
        // The session may be over already: the page forgets it either way.
      }
      H.session.csrf = null;
      H.session.operator = null;
      localStorage.removeItem(H.SESSION_HINT);
      setNotice(t("login.loggedOut"));
      setPhase("login");
    }

    const screens = H.screens.filter((s) => H.can(s.capability));
    const current = screens.find((s) => s.id === screen) || screens[0];
    const op = H.session.operator;

    return html`<header class="top">
        <h1>${t("app.name")} <span>${t("app.subtitle")}</span></h1>
        <div class="top-tools">
          <${LanguageSwitch} onChange=${changeLanguage} />
          ${phase === "ready" && op ? html`<span class="who" data-role=${op.role}>${op.name} · ${H.roleName(op.role)}</span>
            <button type="button" class="secondary" id="logout" onClick=${logout}>${t("app.logout")}</button>` : null}
        </div>
      </header>
      ${phase === "loading" ? html`<p class="status" role="status">${t("app.loading")}</p>` : null}
      ${phase === "login" ? html`<${Login} notice=${notice} onDone=${(answer) => {
        H.session.csrf = answer.csrfToken;
        H.session.operator = answer.operator;
        localStorage.setItem(H.SESSION_HINT, "1");
        setNotice("");
        setPhase("ready");
      }} />` : null}
      ${phase === "ready" && current ? html`<nav class="tabs" aria-label=${t("app.navigation")}>
          ${screens.map((s) => html`<a href=${`#/${s.id}`} id=${`nav-${s.id}`} aria-current=${s === current ? "page" : null}>${t(s.title)}</a>`)}
        </nav>
        <main id="screen" data-screen=${current.id} key=${`${current.id}-${H.lang()}`}>
          <${current.component} />
        </main>` : null}`;
  }

  // The old dashboard link carried the shared key in the fragment: the console takes a login.
  if (location.hash.startsWith("#key=")) history.replaceState(null, "", location.pathname + location.search);
  H.loadLanguage().then(() => render(html`<${App} />`, document.getElementById("app")));
  // Whichever screen made it, a frame that scrolls sideways (a wide table at phone width) takes the
  // keyboard's focus, so it can be scrolled without a mouse (WCAG 2.1.1; axe: scrollable-region-focusable).
  new MutationObserver(() => {
    for (const frame of document.querySelectorAll(".scroll:not([tabindex])")) frame.tabIndex = 0;
  }).observe(document.getElementById("app"), { childList: true, subtree: true });
})();
