"""Chinese by default, English on request, every UI string translated, no outside assets."""

import re
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from matchmaker.models import Role

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "matchmaker/translations/zh/LC_MESSAGES/messages.po"


def test_chinese_is_the_default(client, reference):
    page = client.get("/").text
    assert '<html lang="zh-CN">' in page
    assert "人大代表牵线搭桥" in page


def test_switching_to_english_and_back(client, reference):
    response = client.get("/lang/en?next=/auth/login")
    assert response.headers["Location"] == "/auth/login"
    page = client.get("/auth/login").text
    assert "Sign in" in page and "登录" not in page
    client.get("/lang/zh")
    assert "登录" in client.get("/auth/login").text


def test_language_switch_refuses_unknown_locales_and_outside_targets(client, reference):
    response = client.get("/lang/fr?next=https://evil.example/")
    assert response.headers["Location"] == "/"
    assert "登录" in client.get("/auth/login").text


def test_dates_are_written_the_chinese_way(client, auth):
    auth.login_as(Role.GRADUATE)
    assert re.search(r"更新于 \d{4}年\d{1,2}月\d{1,2}日", client.get("/graduate/").text)


def test_every_ui_string_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-o", str(pot),
         str(ROOT)]
    )  # fmt: skip
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with PO.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id for m in catalogue if m.id and m.string and "fuzzy" not in m.flags}
    assert sorted(wanted - translated) == []


def test_pages_load_no_outside_assets(client, auth):
    auth.login_as(Role.ENTERPRISE)
    for url in ("/", "/auth/login", "/enterprise/", "/enterprise/needs/new"):
        html = client.get(url).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        outside = [s for s in sources if re.match(r"^(https?:)?//", s)]
        assert outside == [], (url, outside)


def test_templates_follow_a_forced_locale_and_come_back(web_app):
    """Templates keep the translations of a request's locale, and switch with
    ``force_locale`` (an e-mail in the reader's language) and back after it."""
    from flask_babel import force_locale

    with web_app.test_request_context("/"):
        line = web_app.jinja_env.from_string("{{ _('Sign in') }}")
        before = line.render()
        with force_locale("en"):
            forced = line.render()
        after = line.render()
    assert (before, forced, after) == ("登录", "Sign in", "登录")
