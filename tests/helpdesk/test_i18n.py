"""English and Simplified Chinese: the switcher, the tenant default, a complete catalogue."""

import re
from pathlib import Path

from django.conf import settings

from tests.conftest import client_for

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def untranslated_entries(text: str) -> list[str]:
    entries = text.split("\n\n")[1:]  # the first block is the header
    missing = []
    for entry in entries:
        if "#, fuzzy" in entry:
            missing.append(entry)
            continue
        strings = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry + "\n", flags=re.M)
        if not strings or any(not "".join(re.findall(r'"(.*)"', s)) for s in strings):
            missing.append(entry)
    return missing


def test_the_chinese_catalogue_is_complete_and_compiled():
    assert untranslated_entries(CATALOGUE.read_text(encoding="utf-8")) == []
    compiled = CATALOGUE.with_suffix(".mo")
    assert compiled.exists() and compiled.stat().st_mtime >= CATALOGUE.stat().st_mtime - 1


def test_it_speaks_the_tenants_default_language_until_the_user_chooses(tenant_a, agent_a):
    tenant_a.default_language = "zh-hans"
    tenant_a.save(update_fields=["default_language"])
    client = client_for(agent_a)
    assert "退出登录" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Sign out" in client.get("/").content.decode()


def test_the_login_page_switches_to_chinese(tenant_a):
    client = client_for()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in page and "登录" in page
