"""Every user-facing string is translatable, and the German and Estonian catalogs are complete."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCE_FOLDERS = (
    "crm",
    "tenants",
    "tariffs",
    "staff",
    "customers",
    "sales",
    "loyalty",
    "reports",
    "pos",
    "campaigns",
    "demo",
    "templates",
)


def catalog(path: Path) -> dict[str, tuple[str, bool]]:
    """msgid (with context and plural) -> (msgstr, is_fuzzy), read with the standard library."""
    entries: dict[str, tuple[str, bool]] = {}
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    for block in blocks:
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields: dict[str, str] = {}
        current = None
        for line in lines:
            if line.startswith("#"):
                continue
            if line.startswith('"'):
                fields[current] += line[1:-1]
                continue
            key, _space, value = line.partition(" ")
            current = key
            fields[key] = value[1:-1]
        msgid = fields.get("msgctxt", "") + "\x04" + fields.get("msgid", "") + "\x00" + fields.get("msgid_plural", "")
        if fields.get("msgid"):
            translations = [value for key, value in fields.items() if key.startswith("msgstr")]
            entries[msgid] = ("" if any(not value for value in translations) else translations[0], fuzzy)
    return entries


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, tuple[str, bool]]:
    """What makemessages finds in the code now, in a copy of the sources."""
    copy = tmp_path_factory.mktemp("messages")
    for folder in SOURCE_FOLDERS:
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-v", "0"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "crm.settings.base", "PYTHONPATH": str(copy)},
    )
    return catalog(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")


@pytest.mark.parametrize("language", ["de", "et"])
def test_catalog_has_every_message_of_the_code_translated(extracted, language):
    translations = catalog(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")
    missing = sorted(msgid.split("\x04")[1] for msgid in extracted if msgid not in translations)
    untranslated = sorted(msgid.split("\x04")[1] for msgid, (text, fuzzy) in translations.items() if not text or fuzzy)
    assert missing == [], "run `make messages` and translate"
    assert untranslated == []


def test_code_has_messages_to_translate(extracted):
    assert len(extracted) > 100
