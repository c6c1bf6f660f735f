"""Hostile input into every form and query parameter the app has: never a 500, never a
live script, whether echoed at once or stored and shown later to someone else.

Nothing here lists the forms by hand. Every GET route of ``app.url_map`` is opened by
each person of the two-tenant world it lets in (and anonymously), with the world's leads
walked through every state on their way to close-out; each ``<form>`` on each page is
read, and every field is filled in turn with each hostile value, the others left valid.
The field sweep fails when a POST route appears that no page offers a form for.
Rosters for the imports get hostile cells the same way.
"""

import csv
import io
import itertools
import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from werkzeug.routing.converters import AnyConverter

import matchmaker
from matchmaker.extensions import db
from matchmaker.models import Lead
from matchmaker.services import imports
from matchmaker.services import introductions as intro
from tests.factories import PASSWORD, days_ago, valid_credit_code
from tests.web import two_tenants
from tests.web.test_hostile_input import HOSTILE

#: Every string of test_hostile_input.HOSTILE, bundled so the sweep stays quick. These
#: go into each field on its own, the rest of the form valid, so they are stored and
#: shown again later (and on every page that shows them):
MARKUP = '"><img src=x onerror=alert(1)><script>alert(1)</script>'
TEXT = ("'; DROP TABLE user_account; -- 1 OR 1=1 \u202egnp.exe 😀🎉花木🌸 {{ 7*7 }}"
        " %(name)s %s ../../etc/passwd\r\nSet-Cookie: x=1")  # fmt: skip
LONG = "长" * 10_000
EACH_FIELD = [MARKUP, TEXT, LONG]
#: These go into all fields of a form (all parameters of a page) at once, each field
#: taking each in turn: blanks, and numbers far past any column's range, a superscript
#: digit (``str.isdigit`` says yes, ``int`` says no), Arabic-Indic digits, infinity.
ALL_FIELDS = ["", " ", "9" * 30, "2147483648", "-1", "²", "١٢٣", "1e999"]
#: A NUL anywhere refuses the whole request (400), so it is sent on its own.
NUL = "a\x00b"
VALUES = [*EACH_FIELD, *ALL_FIELDS, NUL]
#: What must never reach a page unescaped.
LIVE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]

ACTORS = ("anonymous", "firm", "investor", "graduate", "deputy", "staff", "admin")
#: Posting routes the page sweep does not reach, and why.
ELSEWHERE = {
    ("imports.apply", ()): "offered after a clean preview: test_imported_hostile_text_*",
    ("leads.act", (("step", "record-consent"),)): "offered for a side without an account:"
    " test_offline_consent (refusals of every field, files that are no photo) and"
    " test_consent_photo (the upload through the step)",
    ("imports.columns", ()): "offered after an upload: test_hostile_column_choices_*",
    ("auth.reset_password", ()): "reached from an e-mailed link: test_password_reset.py",
    ("auth.accept_terms", ()): "offered only while newer terms wait: test_terms.py",
    ("staff.hand_over", ()): "offered when another deputy may take the lead, which the world"
    " has none of: test_staff_watch::test_hostile_hand_over_input",
    ("staff.invite_graduate", ()): "offered for a person without an account, which the world"
    " has none of: test_claim_pages.py",
    ("staff.invite_enterprise", ()): "offered for a firm without an account: test_claim_pages.py",
}
#: Pages that need a password to do harm: left with a wrong one, so the sweep stays safe.
WRONG_PASSWORD_ON = {"graduate.delete_account"}


def check(response) -> str:
    """The answer is not a server error and shows no live markup from the input."""
    assert response.status_code < 500, response.status_code
    text = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
    for marker in LIVE:
        assert marker not in text, (response.request.path, marker)
    return text


# --- reading forms out of pages ------------------------------------------------------------


@dataclass
class Form:
    page: str  # the page the form was found on
    method: str
    action: str
    data: dict = field(default_factory=dict)  # name → list of values, as a browser sends
    choices: dict = field(default_factory=dict)  # name → offered values (select, check boxes)
    fillable: list = field(default_factory=list)
    submits: list = field(default_factory=list)
    actor: str = ""
    restore: object = None  # resets the lead a form acts on to the state it was found in


FIELD_TAGS = ("input", "textarea", "select", "button")


class FormReader(HTMLParser):
    """Every ``<form>`` of a page with its fields and what a browser would send."""

    def __init__(self, page: str):
        super().__init__()
        self.page, self.forms, self.form, self.capture = page, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page, attrs.get("action") or self.page)
            self.form = Form(self.page, attrs.get("method", "get").upper(), action)
            self.forms.append(self.form)
        elif self.form is not None and attrs.get("name") and tag in FIELD_TAGS:
            self._field(tag, attrs)
        elif tag == "option" and self.capture:
            self._option(attrs)

    def _field(self, tag, attrs):
        name, kind = attrs["name"], attrs.get("type", "submit" if tag == "button" else "text")
        form = self.form
        if kind == "file":  # the imports' (the roster tests) and the photo of a signed
            # consent form (test_offline_consent, test_consent_photo)
            return
        if tag == "input" and kind in ("checkbox", "radio"):
            form.choices.setdefault(name, []).append(attrs.get("value", "on"))
            form.data.setdefault(name, [])
            if "checked" in attrs:
                form.data[name].append(attrs.get("value", "on"))
        elif kind == "submit":
            form.submits.append(name)
            if len(form.submits) == 1:  # a browser sends the button that was pressed
                form.data[name] = [attrs.get("value", "")]
        elif tag == "textarea":
            form.data[name], self.capture = [""], ("textarea", name)
        elif tag == "select":
            form.data[name], self.capture = [], ("select", name)
            form.choices[name] = []
        elif tag == "input":
            form.data[name] = [attrs.get("value", "")]
        if name not in form.fillable and name != "csrf_token":
            form.fillable.append(name)

    def _option(self, attrs):
        _, name = self.capture
        value = attrs.get("value", "")
        self.form.choices[name].append(value)
        if "selected" in attrs:
            self.form.data[name].append(value)

    def handle_data(self, data):
        if self.capture and self.capture[0] == "textarea":
            self.form.data[self.capture[1]][0] += data

    def handle_endtag(self, tag):
        if tag in ("textarea", "select"):
            self.capture = None
        elif tag == "form":
            self.form = None


def read_forms(page: str, html: str) -> list[Form]:
    reader = FormReader(page)
    reader.feed(html)
    return reader.forms


# --- making a form valid, then hostile one field at a time --------------------------------

_serial = itertools.count(1)


def _plausible(name: str, form: Form) -> str:
    """A value the field accepts, for a field the page left empty."""
    base, n = name.rsplit("-", 1)[-1], next(_serial)
    if form.choices.get(name):
        return next((v for v in form.choices[name] if v), form.choices[name][0])
    guesses = {
        "credit_code": valid_credit_code(500 + n), "phone": "13837400009", "code": f"sector_{n}",
        "password": PASSWORD, "confirm": PASSWORD, "current": PASSWORD, "until": _soon(),
        "on": date.today().isoformat(), "graduation_year": "2025", "headcount": "1",
    }  # fmt: skip
    if "email" in base:
        return f"hostile{n}@test.example"
    if base.endswith(("_days", "_wan", "_min", "_max", "months")):
        return "3"
    return guesses.get(base, "测试")


def _soon() -> str:
    return (date.today() + timedelta(days=30)).isoformat()


def baseline(form: Form, endpoint: str) -> dict:
    """The form as a person would send it: what the page filled in, the gaps filled."""
    data = {name: list(values) for name, values in form.data.items()}
    for name in form.fillable:
        if not any(v.strip() for v in data.get(name, [])):
            data[name] = [_plausible(name, form)]
    if endpoint in WRONG_PASSWORD_ON:
        data["password"] = ["not the password at all"]
    return data


# --- the sweep ----------------------------------------------------------------------------


@pytest.fixture
def world(make_user, reference):
    return two_tenants.build(make_user, reference)


@pytest.fixture
def sweep(app, web_app, world):
    return Sweep(app, web_app, world)


class Sweep:
    """Everyone's pages and forms in the two-tenant world."""

    def __init__(self, app, web_app, world):
        self.app, self.web_app, self.world = app, web_app, world
        self.adapter = web_app.url_map.bind("localhost")
        self.clients = {part: self._client(part) for part in ACTORS}
        self.pages = {part: [] for part in ACTORS}  # (url, mimetype) answered 200
        self.forms = {}  # (endpoint key, field names) → Form

    def role_of(self, part):
        return None if part == "anonymous" else self.world.users[part].role

    def _client(self, part):
        if part == "anonymous":
            return self.web_app.test_client()
        return two_tenants.signed_in(self.web_app, self.world.users[part])

    def client_for(self, form: Form):
        """Anonymous forms (sign-in, sign-up) get a fresh visitor each time."""
        return self._client("anonymous") if form.actor == "anonymous" else self.clients[form.actor]

    def endpoint(self, url: str, method: str = "GET") -> tuple:
        path = urlsplit(url).path
        endpoint, args = self.adapter.match(path, method=method)
        return endpoint, tuple(sorted((k, v) for k, v in args.items() if not k.endswith("_id")))

    def crawl(self, walk: bool = True) -> "Sweep":
        """Every GET page for everyone it is for, then the leads' pages in every state."""
        for part in ACTORS:
            for url in page_urls(self.app, self.world, self.role_of(part)):
                self.visit(part, url)
        if walk:
            self.walk(self.world.talent, TALENT_WALK)
            self.walk(self.world.investment, INVEST_WALK)
        return self

    def visit(self, part: str, url: str) -> None:
        response = self.clients[part].get(url)
        check(response)
        if response.status_code != 200:
            return
        self.pages[part].append((url, response.mimetype))
        if response.mimetype == "text/html":
            for form in read_forms(url, response.get_data(as_text=True)):
                self._keep(part, form)

    def _keep(self, part, form):
        if form.method != "POST":
            form.actor = part
            self.forms.setdefault(("GET", form.action, tuple(form.fillable)), form)
            return
        key = (self.endpoint(form.action, "POST"), tuple(sorted(form.fillable)))
        if key not in self.forms:
            form.actor = part
            lead_id = self.adapter.match(urlsplit(form.action).path, "POST")[1].get("lead_id")
            form.restore = lead_snapshot(lead_id) if lead_id else None
            self.forms[key] = form

    def walk(self, lead: Lead, steps) -> None:
        """Take the lead through its life; at each state, everyone on it opens its pages."""
        users = self.world.users
        sides = [p for p in ("graduate", "firm", "investor") if intro.party_of(lead, users[p])]
        for step in [None, *steps]:
            if step is not None:
                step(db.session.get(Lead, lead.id), users)
                db.session.commit()
            for part in [*sides, "deputy"]:
                self.visit(part, f"/leads/{lead.id}")
            for part in sides:
                self.visit(part, f"/leads/{lead.id}/consent")

    def post_forms(self):
        return [f for key, f in self.forms.items() if key[0] != "GET"]

    def get_forms(self):
        return [f for key, f in self.forms.items() if key[0] == "GET"]

    def send(self, form: Form, values: dict) -> str:
        """Post ``form`` valid but for ``values``; check the answer and where it leads."""
        endpoint = self.endpoint(form.action, "POST")[0]
        data = baseline(form, endpoint) | {name: [v] for name, v in values.items()}
        if form.restore is not None:
            form.restore()
        response = self.client_for(form).post(form.action, data=data, follow_redirects=True)
        return check(response)


def lead_snapshot(lead_id: int):
    """A function that puts the lead's row back as it is now."""
    table = Lead.__table__
    row = dict(db.session.execute(select(table).where(table.c.id == lead_id)).mappings().one())

    def restore():
        db.session.execute(update(table).where(table.c.id == lead_id).values(**row))
        db.session.commit()

    return restore


def _consent_both(sides):
    def step(lead, users):
        for part in sides:
            intro.consent(lead, users[part], True, intro.NOTICE_VERSION)

    return step


def _as(part, action, *args):
    return lambda lead, users: action(lead, users[part], *args)


TALENT_WALK = [
    _consent_both(("graduate", "firm")),
    _as("firm", intro.start_follow_up),
    _as("firm", intro.record_hire, days_ago(0), "园艺技术员"),
    _as("deputy", intro.close_out, "已录用，销号。"),
]
INVEST_WALK = [
    _consent_both(("firm", "investor")),
    _as("firm", intro.start_follow_up),
    _as("firm", intro.record_signing, days_ago(0), 3000),
    _as("firm", intro.record_funds, days_ago(0)),
    _as("firm", intro.record_production, days_ago(0)),
    _as("deputy", intro.close_out, "已投产，销号。"),
]


def page_urls(app, world, role) -> list[str]:
    """A URL for every GET route that lets ``role`` in (None: anonymous), with the world's
    objects for its ids. The others answer 403 or the sign-in page (see test_access)."""
    urls = []
    for rule in app.url_map.iter_rules():
        area = app.blueprints.get(rule.endpoint.split(".")[0])
        allowed = getattr(area, "allowed_roles", None)
        if (
            "GET" not in rule.methods
            or rule.endpoint == "static"
            or role not in (allowed or {role})
        ):
            continue
        for values in expansions(rule):
            for ids in _ids(rule, values, world):
                urls.append(rule.build({**values, **ids})[1])
    return urls


def expansions(rule) -> list[dict]:
    choices = {name: sorted(conv.items) for name, conv in rule._converters.items()
               if isinstance(conv, AnyConverter)}  # fmt: skip
    return [
        dict(zip(choices, combo, strict=True)) for combo in itertools.product(*choices.values())
    ]


def _ids(rule, values, world) -> list[dict]:
    postings = {"needs": world.need, "projects": world.project, "interests": world.interest}
    known = {
        "posting_id": [postings[values["kind"]].id] if values.get("kind") in postings else [],
        "lead_id": [lead.id for lead in world.leads],
        "station_id": [world.station.id],
        "deputy_id": [world.users["deputy"].deputy.id],
        "user_id": [world.users["admin"].id],  # the sweep may not lock anyone else out
        "region_id": [world.station.region.parent_id],
        "code": ["zh"],
    }
    names = [n for n in rule._converters if n not in values]
    options = [known.get(name, [1]) for name in names]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*options)]


# --- the tests ----------------------------------------------------------------------------


def rotations(names: list, values: list):
    """len(values) assignments under which every name takes every value once."""
    for k in range(len(values)):
        yield {name: values[(i + k) % len(values)] for i, name in enumerate(names)}


def test_the_bundles_hold_every_hostile_string():
    for hostile in HOSTILE:
        assert any(hostile in value for value in VALUES), hostile


def test_every_field_of_every_form_survives_hostile_input(app, sweep):
    sweep.crawl()
    found = {key[0] for key in sweep.forms if key[0] != "GET"}
    posting_routes = {
        (rule.endpoint, tuple(sorted(values.items())))
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods
        for values in expansions(rule)
    }
    missing = posting_routes - found - set(ELSEWHERE)
    assert not missing, f"no page offers a form for {missing}: add a page, or say in ELSEWHERE"

    for form in (f for f in sweep.post_forms() if f.fillable):  # not the bare buttons
        for name, value in itertools.product(form.fillable, EACH_FIELD):
            sweep.send(form, {name: value})
        for values in [*rotations(form.fillable, ALL_FIELDS), dict.fromkeys(form.fillable, NUL)]:
            sweep.send(form, values)
    _everyone_reads_everything(sweep)


def _everyone_reads_everything(sweep):
    """What the sweep stored is shown escaped on every page, to everyone."""
    for part, pages in sweep.pages.items():
        for url, mimetype in pages:
            if mimetype == "text/html":
                check(sweep.clients[part].get(url))


def _query_names(sweep) -> list[str]:
    """Every query parameter the code reads, and every field of every GET form."""
    source = Path(matchmaker.__file__).parent
    pattern = re.compile(r"request\.args\.get\(\s*[\"'](\w+)")
    names = {"page", "per_page"}  # read by Flask-SQLAlchemy's paginate
    for path in source.rglob("*.py"):
        names |= set(pattern.findall(path.read_text(encoding="utf-8")))
    for form in sweep.get_forms():
        names |= set(form.fillable)
    return sorted(names)


def _one_page_per_endpoint(sweep) -> list[tuple]:
    seen = {}
    for part, pages in sweep.pages.items():
        for url, _ in pages:
            seen.setdefault(sweep.endpoint(url)[0], (part, url))
    return list(seen.values())


def _ids_in_every_path(sweep):
    """An id far past the column's range (or 0) is not found: never a 500."""
    checked = 0
    for rule in sweep.app.url_map.iter_rules():
        ids = [name for name in rule._converters if name.endswith("_id")]
        methods = [m for m in ("GET", "POST") if ids and m in rule.methods]
        client = sweep.clients[_actor_for(sweep, rule)]
        for method, value in itertools.product(methods, (10**30, 2**63, 2**31, 0)):
            url = rule.build({**expansions(rule)[0], **dict.fromkeys(ids, value)})[1]
            response = client.open(url, method=method)
            assert response.status_code == 404, (url, response.status_code)
            checked += 1
    assert checked > 40


def _actor_for(sweep, rule) -> str:
    """Someone whose role the route's area lets in, so the id itself is what is tried."""
    area = sweep.app.blueprints.get(rule.endpoint.split(".")[0])
    allowed = getattr(area, "allowed_roles", None)
    if allowed is None:
        return "admin"
    return next(p for p in ACTORS[1:] if sweep.world.users[p].role in allowed)


FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_query_parameters_path_ids_and_hypothesis_text_survive(sweep):
    """Every value into every query parameter of every page, too-large ids into every
    path, then Hypothesis's text into any field of any form or any parameter."""
    sweep.crawl(walk=False)  # the leads as introduced: the walk is for their forms
    names = _query_names(sweep)
    assert {"next", "q", "role", "start", "end", "page", "station", "lang"} <= set(names)
    pages = _one_page_per_endpoint(sweep)
    for part, url in pages:
        for query in [*rotations(names, EACH_FIELD + ALL_FIELDS), dict.fromkeys(names, NUL)]:
            check(sweep.clients[part].get(f"{url}?{urlencode(query)}"))
    _ids_in_every_path(sweep)
    forms = [f for f in sweep.post_forms() if f.fillable]

    @FUZZ
    @given(data=st.data(), text=st.one_of(st.text(max_size=300), st.sampled_from(VALUES)))
    def fuzz(data, text):
        if data.draw(st.booleans()):
            form = data.draw(st.sampled_from(forms))
            sweep.send(form, {data.draw(st.sampled_from(form.fillable)): text})
        else:
            part, url = data.draw(st.sampled_from(pages))
            query = urlencode({data.draw(st.sampled_from(names)): text})
            check(sweep.clients[part].get(f"{url}?{query}"))

    fuzz()


# --- imports: hostile cells in an uploaded roster -----------------------------------------


def _valid_row(kind: str, n: int, world) -> dict:
    """A row of ``kind`` that imports cleanly; ``n`` keeps its key apart from the others."""
    sector, town, county = "花木/园林", "许昌市鄢陵县陈化店镇", "许昌市鄢陵县"
    rows = {
        "enterprises": ["鄢陵县花木公司", valid_credit_code(700 + n), sector, town, "紫荆",
                        "王丽", "13837400011", f"e{n}@test.example"],
        "graduates": ["张三", "河南农业大学", "园艺", "本科", "2025", "嫁接", county, "是",
                      "13837400021", f"g{n}@test.example", sector, county, "想回乡。",
                      "2003.05", "技术员"],
        "needs": [world.users["firm"].enterprise.credit_code, f"技术员{n}", "苗木栽培",
                  sector, town, "本科", "1", "3000", "5000"],
        "deputies": ["王五", f"d{n}@test.example", "13837400031", "乡镇", two_tenants.HOME,
                     sector, "合作社", ""],
    }  # fmt: skip
    return dict(zip(imports.KINDS[kind].columns, rows[kind], strict=True))


def _roster(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _preview(client, kind: str, rows: list[dict], filename: str = "roster.csv"):
    data = {"kind": kind, "file": (io.BytesIO(_roster(rows)), filename)}
    return client.post("/imports/", data=data, content_type="multipart/form-data")


def _apply_form(page: str):
    return next((f for f in read_forms("/imports/", page) if "/apply" in f.action), None)


def _hostile_roster(admin, world, kind: str, value: str):
    """Each value in each column (one hostile cell per row), and in a whole row (but for
    LONG: the test client would spool so large a body to a file it never closes)."""
    columns = imports.KINDS[kind].columns
    rows = [_valid_row(kind, i, world) | {column: value} for i, column in enumerate(columns)]
    if value != LONG:
        rows.append(dict.fromkeys(columns, value))
    name = f"{value[:40]}.csv".replace("\x00", "")
    return check(_preview(admin, kind, rows, filename=name))


def test_hostile_cells_go_through_the_preview_escaped(sweep):
    for kind, value in itertools.product(sorted(imports.KINDS), VALUES):
        _hostile_roster(sweep.clients["admin"], sweep.world, kind, value)


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [("graduates", "1e999", "应为年份"), ("needs", "inf", "应为整数"),
     ("deputies", NUL, "NUL"), ("needs", NUL, "NUL")],
)  # fmt: skip
def test_cells_no_number_or_database_can_hold_are_refused_with_a_reason(
    sweep, kind, value, message
):
    """Infinity in a number cell, NUL anywhere: a problem on the row, nothing to apply."""
    columns = imports.KINDS[kind].columns
    rows = [_valid_row(kind, i, sweep.world) | {column: value} for i, column in enumerate(columns)]
    page = check(_preview(sweep.clients["admin"], kind, rows))
    assert message in page
    assert _apply_form(page) is None


def test_imported_hostile_text_is_shown_escaped_everywhere(sweep):
    """Columns that take free text import markup as text; every page shows it escaped."""
    for kind in sorted(imports.KINDS):
        _import_markup(sweep, kind)
    for part in ("admin", "staff", "deputy", "firm"):
        for url in page_urls(sweep.app, sweep.world, sweep.role_of(part)):
            check(sweep.clients[part].get(url))


def _import_markup(sweep, kind: str) -> None:
    """Find the columns that take free text, and import a file with markup in each."""
    admin, world = sweep.clients["admin"], sweep.world
    columns = imports.KINDS[kind].columns
    free = [c for i, c in enumerate(columns)
            if _apply_form(check(_preview(admin, kind, [_valid_row(kind, i, world)
                                                       | {c: MARKUP}])))]  # fmt: skip
    assert free, f"no column of {kind} takes free text?"
    rows = [_valid_row(kind, 50 + i, world) | {column: MARKUP} for i, column in enumerate(free)]
    form = _apply_form(check(_preview(admin, kind, rows, filename=f"hostile-{kind}.csv")))
    assert form is not None, f"a {kind} file with markup in free-text columns should import"
    check(admin.post(form.action, data=form.data, follow_redirects=True))
    _wait_for_history(admin, f"hostile-{kind}.csv")


def _wait_for_history(client, filename: str, seconds: float = 20) -> None:
    """Imports may finish in the background: wait until the history lists the file."""
    deadline = time.monotonic() + seconds
    while filename not in check(client.get("/imports/history")):
        assert time.monotonic() < deadline, f"{filename} was not imported"
        time.sleep(0.1)


def _columns_form(page: str):
    return next((f for f in read_forms("/imports/", page) if "/columns" in f.action), None)


def test_hostile_column_choices_are_refused_not_errors(sweep):
    """The column step takes only a field of the kind (or none) for each column of the
    stashed file: any other choice, a missing or an extra column, a made-up file is a
    400, never a 500, and nothing is remembered."""
    admin = sweep.clients["admin"]
    form = _columns_form(
        check(_preview(admin, "graduates", [_valid_row("graduates", 1, sweep.world)]))
    )
    assert form is not None
    first = sorted(k for k in form.data if k.startswith("columns-"))[0]
    for value in VALUES:
        response = admin.post(form.action, data=form.data | {first: [value]})
        check(response)
        assert response.status_code == (200 if value == "" else 400)  # "": ignore the column
        for hidden in ("kind", "sha256", "filename"):
            check(admin.post(form.action, data=form.data | {hidden: [value]}))
    fewer = {k: v for k, v in form.data.items() if k != first}
    assert admin.post(form.action, data=fewer).status_code == 400
    extra = form.data | {"columns-59": ["姓名"]}
    assert admin.post(form.action, data=extra).status_code == 400
    page = check(admin.post(form.action, data=form.data))  # unchanged: the preview again
    assert page.count('name="columns-') == len(imports.KINDS["graduates"].columns)
    assert _apply_form(page) is not None
