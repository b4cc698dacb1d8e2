"""What the console's browser tests share: one person's tab (Visit), the overflow check, the
message catalogues, and the screenshots folder. The stack, the simulation and the browser are
session fixtures (conftest.py): every test file drives the same local stack, so each makes the
operators and records it needs under names of its own."""
from __future__ import annotations

import json
import shutil
import uuid

from tests.stack import ROOT

from playwright import sync_api as playwright  # make dashboard-test installs it; conftest.py skips without

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

ASSETS = ROOT / "chalicelib" / "admin" / "assets"
SHOTS = ROOT / "build" / "screenshots"
# Without the networking flags, Chromium's own background connections are refused by a closed network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = (1440, 390)

# Any element whose box leaves the viewport sideways, unless an ancestor clips or scrolls it
# (a table inside its scrolling frame is fine), and a page that scrolls sideways.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const inFrame = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if ((r.right > width + 1 || r.left < -1) && !inFrame(el)) {
      out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)} of ${width}`);
    }
  }
  if (document.documentElement.scrollWidth > width + 1) out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  return out;
}"""


def messages(lang: str) -> dict[str, str]:
    text = (ASSETS / f"messages.{lang}.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("] = ") + 4:text.rindex(";")])


ZH, EN = messages("zh-CN"), messages("en")


class Visit:
    """One person's browser tab: its own cookies, what went wrong in it."""

    def __init__(self, browser, url: str, width: int, *, state: dict | None = None):
        self.context = browser.new_context(viewport={"width": width, "height": 900}, storage_state=state)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        p = self.page
        p.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        p.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        p.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url}"))
        p.on("response", lambda r: self.problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        p.goto(url)

    def login(self, name: str, password: str) -> None:
        p = self.page
        p.wait_for_selector("body[data-state=login]")
        p.fill("#login input[name=name]", name)
        p.fill("#login input[name=password]", password)
        p.click("#login button[type=submit]")
        p.wait_for_selector("body[data-state=ready]")

    def open(self, screen: str) -> None:
        self.page.click(f"#nav-{screen}")
        self.wait(screen)

    def wait(self, screen: str) -> None:
        self.page.wait_for_selector(f"main[data-screen={screen}] [data-loaded=true]")

    def photograph(self, who: str, width: int) -> None:
        """Every screen this person may open, at this width: a picture, and nothing sticking out."""
        self.page.set_viewport_size({"width": width, "height": 900})
        for screen in self.page.eval_on_selector_all("nav.tabs a", "(links) => links.map((a) => a.id.slice(4))"):
            self.open(screen)
            self.page.screenshot(path=str(SHOTS / f"{who}-{screen}-{width}.png"), full_page=True)
            assert self.page.evaluate(OVERFLOW) == [], (who, screen, width)

    def close(self) -> None:
        self.context.close()


def unexpected(problems: list[str], *statuses: int) -> list[str]:
    """What went wrong but the answers a scenario provokes (the browser logs each one twice: the
    response, and a console error naming its status)."""
    return [p for p in problems if not any(str(s) in p for s in statuses)]


def text(page, selector: str) -> str:
    return page.locator(selector).inner_text().strip()


# The demo owner's signed-in state (cookie and the page's hint), by stack: one login a session,
# as the owner's login limit is 10 in 15 minutes and every test file needs the owner.
_owner_states: dict[str, dict] = {}


def as_owner(browser, api: str, width: int = 1440, url: str | None = None) -> Visit:
    """A tab of the demo owner's, signed in and ready."""
    from infra.seed import DEMO_OWNER, DEMO_PASSWORD

    if api not in _owner_states:
        visit = Visit(browser, url or f"{api}/admin", width)
        visit.login(DEMO_OWNER, DEMO_PASSWORD)
        _owner_states[api] = visit.context.storage_state()
        return visit
    visit = Visit(browser, url or f"{api}/admin", width, state=_owner_states[api])
    visit.page.wait_for_selector("body[data-state=ready]")
    return visit


def add_operators(browser, api: str, password: str, **names: str) -> None:
    """A test file's own operators (``marketer="mei", analyst="lin"``), made by the demo owner
    through the API with the page's session; already there (a rerun on the same stack) is fine."""
    owner = as_owner(browser, api)
    csrf = owner.page.request.get(f"{api}/operator/me").json()["csrfToken"]
    for role, name in names.items():
        made = owner.page.request.post(f"{api}/operator/operators", data={"name": name, "role": role, "password": password},
                                       headers={"X-CSRF-Token": csrf, "Idempotency-Key": uuid.uuid4().hex})
        assert made.status in (201, 409), made.text()
    owner.close()
