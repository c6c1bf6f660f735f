"""The load scenario: people of every role using the site at once.

    locust -f bench/locustfile.py --headless -u 50 -r 10 -t 3m --host http://127.0.0.1:8000

(``python -m bench.load`` runs it against the production profile and prints the figures.)

Each simulated person signs in through the real sign-in form with a demo account
(several may share one account), then reads the pages of their role and, now and then,
saves an edit: an enterprise re-submits one of its talent needs, a graduate the profile,
every field as the form shows it, with the description changed slightly. Saves are about
5% of the requests. Requests are named by route ("/leads/<id>"), so the figures group
by page. Any status of 400 or more is a failure, and so is a redirect where none is
expected (a lost session sends people to the sign-in page) or a save that shows the form
again instead of redirecting (it was refused).

The wait between clicks (0.1–0.5 s) is a compressed working day: 50 such users ask as
much as several hundred people clicking at a human pace.
"""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import requests
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

PASSWORD = "lianluo-demo-2026"  # noqa: S105  (the demo accounts' published password)
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
#: The marker a save puts at the end of a description, so each save changes it slightly.
MARK = re.compile(r"\s*〔\d+〕$")


class _FormParser(HTMLParser):
    """The fields of the page's edit form (``<form class="form">``), as a browser would
    submit them: inputs, ticked boxes, the chosen options, text areas."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[list[str]] = []
        self._in_form = False
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form":
            self._in_form = "form" in a.get("class", "").split()
            return
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append([name, a.get("value", "on")])
            elif kind not in ("submit", "button", "file", "reset"):
                self.fields.append([name, a.get("value", "")])
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a and not self._select_chosen:
                self.fields.append([self._select, value])
                self._select_chosen = True
        elif tag == "textarea" and name:
            self.fields.append([name, ""])
            self._textarea = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None:
                self.fields.append([self._select, self._select_first])
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._textarea)
            self.fields[-1][1] = text[1:] if text.startswith("\n") else text
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.append(data)


def form_fields(html: str) -> list[list[str]]:
    parser = _FormParser()
    parser.feed(html)
    return parser.fields


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not found:
        raise LookupError("no csrf_token on the page")
    return found.group(1)


ACCOUNTS = ("admin", "staff", "deputy", "enterprise", "graduate")


@events.test_start.add_listener
def sign_in_each_account_once(environment, **kwargs) -> None:
    """Sign each demo account in once before anyone starts, as accounts in use have been.

    An account's first sign-in gives it its session token; several first sign-ins of one
    account at the same moment would each give it another, and all but the last session
    would end at once. Only shared test accounts meet that, so it is done beforehand.
    """
    for account in ACCOUNTS:
        with requests.Session() as browser:
            form = browser.get(f"{environment.host}/auth/login", timeout=60)
            body = {
                "csrf_token": csrf_token(form.text),
                "email": f"{account}@demo.example",
                "password": PASSWORD,
            }
            done = browser.post(
                f"{environment.host}/auth/login", data=body, allow_redirects=False, timeout=60
            )
            if done.status_code != 302:
                raise RuntimeError(f"{account}@demo.example cannot sign in: {done.status_code}")
            # accounts older than the privacy policy and user agreement accept them once,
            # as a person would at their next sign-in
            terms = browser.get(f"{environment.host}/auth/terms/accept", timeout=60)
            if terms.status_code == 200 and "accept_terms" in terms.text:
                accepted = browser.post(
                    f"{environment.host}/auth/terms/accept",
                    data={"csrf_token": csrf_token(terms.text), "accept_terms": "y"},
                    allow_redirects=False,
                    timeout=60,
                )
                if accepted.status_code != 302:
                    raise RuntimeError(f"{account}@demo.example cannot accept the terms")


def changed(text: str, n: int) -> str:
    """``text`` with its save marker replaced: a slight change, the length stays put."""
    return f"{MARK.sub('', text)}〔{n}〕"


class Person(FastHttpUser):
    """Someone signed in with one of the demo accounts."""

    abstract = True
    wait_time = between(0.1, 0.5)
    email = ""
    saves = 0
    signed_out = False

    def on_start(self) -> None:
        self.sign_in()

    def sign_in(self) -> None:
        with self.client.get("/auth/login", name="/auth/login", catch_response=True) as r:
            if not self._ok(r):
                return
            token = csrf_token(r.text)
        body = urlencode({"csrf_token": token, "email": self.email, "password": PASSWORD})
        self._post("/auth/login", body, "/auth/login")

    # --- requests ---------------------------------------------------------------------

    def _ok(self, r, expect: int = 200) -> bool:
        if r.status_code != expect:
            where = r.headers.get("Location", "") if r.headers else ""
            status = r.status_code or "0 (no answer: the connection closed)"
            r.failure(f"status {status} {where}".strip())
            if where.startswith("/auth/login"):  # the session ended: sign in again
                self.signed_out = True
            return False
        r.success()
        return True

    def page(self, url: str, name: str) -> str | None:
        """GET a page; its HTML, or None when it failed."""
        if self.signed_out:
            self.signed_out = False
            self.sign_in()
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as r:
            return r.text if self._ok(r) else None

    def _post(self, url: str, body: str, name: str) -> None:
        """POST a form; success is the redirect that follows a save (302)."""
        with self.client.post(
            url,
            data=body,
            name=name,
            headers=FORM_HEADERS,
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code == 200:
                r.failure("the form came back (refused)")
            else:
                self._ok(r, expect=302)

    def save_form(self, url: str, name: str, field: str) -> None:
        """Open an edit form, change ``field`` slightly, submit everything back."""
        html = self.page(url, name)
        if html is None:
            return
        fields = form_fields(html)
        Person.saves += 1
        for pair in fields:
            if pair[0] == field:
                pair[1] = changed(pair[1], Person.saves)
        self._post(url, urlencode([tuple(pair) for pair in fields]), name)

    def figures_home(self) -> str:
        """Where the figures link leads this person (their station, or the province)."""
        with self.client.get(
            "/figures/", name="/figures/", allow_redirects=False, catch_response=True
        ) as r:
            return r.headers.get("Location", "") if self._ok(r, expect=302) else ""

    def links(self, html: str | None, pattern: str) -> list[str]:
        return sorted(set(re.findall(pattern, html or "")))

    # --- pages everyone has -------------------------------------------------------------

    @task(2)
    def my_leads(self) -> None:
        """我的对接: my introductions (a station's red items for staff)."""
        html = self.page("/leads/", "/leads/")
        self.seen_leads = self.links(html, r'href="/leads/(\d+)"') or getattr(
            self, "seen_leads", []
        )

    @task(2)
    def inbox(self) -> None:
        self.page("/leads/inbox", "/leads/inbox")

    @task(1)
    def landing(self) -> None:
        self.page("/", "/")


class Graduate(Person):
    weight = 3
    email = "graduate@demo.example"

    @task(6)
    def home(self) -> None:
        self.page("/graduate/", "/graduate/")

    @task(4)
    def profile(self) -> None:
        self.page("/graduate/profile", "/graduate/profile")

    @task(3)
    def save_profile(self) -> None:
        self.save_form("/graduate/profile", "/graduate/profile", "intro")


class Enterprise(Person):
    weight = 2
    email = "enterprise@demo.example"
    needs: list[str] = []

    def on_start(self) -> None:
        super().on_start()
        self.home()

    @task(6)
    def home(self) -> None:
        """The firm's home: its open needs, projects and interests."""
        html = self.page("/enterprise/", "/enterprise/")
        self.needs = self.links(html, r'href="/enterprise/needs/(\d+)/edit"') or self.needs

    @task(4)
    def need(self) -> None:
        """A need's page (its form, as the firm sees it)."""
        if self.needs:
            self.page(f"/enterprise/needs/{random.choice(self.needs)}/edit", NEED)

    @task(3)
    def save_need(self) -> None:
        if self.needs:
            url = f"/enterprise/needs/{random.choice(self.needs)}/edit"
            self.save_form(url, NEED, "description")


NEED = "/enterprise/needs/<id>/edit"


class Deputy(Person):
    weight = 2
    email = "deputy@demo.example"
    queue: list[str] = []

    def on_start(self) -> None:
        super().on_start()
        self.review_queue()

    @task(6)
    def review_queue(self) -> None:
        """The suggestions routed to the deputy, a page of 20 at a time."""
        page = random.choice((1, 1, 1, 2, 3))
        html = self.page(f"/deputy/suggestions?page={page}", "/deputy/suggestions")
        self.queue = self.links(html, r'href="/leads/(\d+)"') or self.queue

    @task(6)
    def lead(self) -> None:
        if self.queue:
            self.page(f"/leads/{random.choice(self.queue)}", "/leads/<id>")

    @task(1)
    def home(self) -> None:
        self.page("/deputy/", "/deputy/")


class Staff(Person):
    weight = 1
    email = "staff@demo.example"
    figures_url = ""

    def on_start(self) -> None:
        super().on_start()
        self.figures_url = self.figures_home()

    @task(4)
    def home(self) -> None:
        self.page("/station/", "/station/")

    @task(4)
    def figures(self) -> None:
        """The station's figures."""
        if self.figures_url:
            self.page(self.figures_url, "/figures/station/<id>")

    @task(2)
    def lead(self) -> None:
        leads = getattr(self, "seen_leads", [])
        if leads:
            self.page(f"/leads/{random.choice(leads)}", "/leads/<id>")


class Admin(Person):
    weight = 1
    email = "admin@demo.example"
    figures_url = ""

    def on_start(self) -> None:
        super().on_start()
        self.figures_url = self.figures_home()

    @task(3)
    def home(self) -> None:
        self.page("/admin/", "/admin/")

    @task(4)
    def figures(self) -> None:
        """The province's figures."""
        if self.figures_url:
            self.page(self.figures_url, "/figures/region/<id>")
