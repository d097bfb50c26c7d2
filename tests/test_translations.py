"""The translation catalogues: complete, valid, and up to date with the source.

For every language in `settings.LANGUAGES` other than the source language (English), the
committed `django.po` must exist, translate every message (all plural forms), carry no fuzzy or
obsolete entries, keep the placeholders of each message, and compile. It must also hold exactly
the messages that `makemessages` extracts from the source today. `makemessages` writes into
every `locale` directory it meets in the tree, so the test runs it in a temporary mirror of the
project's extractable files (without `locale` directories) with `LOCALE_PATHS` pointing at a
temporary directory, and compares the msgids it extracts with the committed catalogue's.
"""

import io
import os
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils.translation import to_locale

ROOT = Path(__file__).resolve().parents[1]
SOURCE_LANGUAGE = "en"
# The same as the documented command:
# django-admin makemessages -l <locale> --ignore ".venv/*" --ignore "bench/*" ...
IGNORE = [".venv/*", "bench/*", "tests/*", "node_modules/*"]
EXTENSIONS = {".py", ".html", ".txt"}  # makemessages' defaults for the django domain
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]
# %(name)s and friends, %s / %d, and {name} / {} (str.format and JavaScript interpolation).
PLACEHOLDER = re.compile(
    r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[#0 +-]*\d*(?:\.\d+)?[sdif]|\{\w*\}"
)

Key = tuple[str | tuple[str, ...], str | None]


def _po_path(locale_dir: Path, code: str) -> Path:
    return locale_dir / to_locale(code) / "LC_MESSAGES" / "django.po"


def _committed_po(code: str) -> Path:
    return _po_path(Path(settings.LOCALE_PATHS[0]), code)


def _read(path: Path, code: str, *, strict: bool = True) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=to_locale(code), abort_invalid=strict)


def _messages(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def _key(message: Message) -> Key:
    return (message.id, message.context)


def _forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return [""]
    return [value] if isinstance(value, str) else list(value)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def catalog(language: str) -> Catalog:
    path = _committed_po(language)
    assert path.is_file(), f"{path} is missing; run makemessages -l {to_locale(language)}"
    return _read(path, language)


def _mirror(dst: Path) -> None:
    """Copy the files `makemessages` would read (never a `locale` directory) from ROOT to dst."""
    skipped_dirs = {p.removesuffix("/*") for p in IGNORE}
    skipped_roots = {Path(p).resolve() for p in (settings.STATIC_ROOT, settings.MEDIA_ROOT) if p}
    for dirpath, dirnames, filenames in os.walk(ROOT):
        here = Path(dirpath)
        rel = here.relative_to(ROOT)
        dirnames[:] = [
            d
            for d in dirnames
            if not d.startswith(".")
            and d != "locale"
            and (rel / d).as_posix() not in skipped_dirs
            and (here / d).resolve() not in skipped_roots
        ]
        for name in filenames:
            if Path(name).suffix in EXTENSIONS and not name.startswith("."):
                (dst / rel).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(here / name, dst / rel / name)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh `makemessages` run over the source tree, written to a temporary locale dir."""
    missing = [tool for tool in ("xgettext", "msguniq", "msgattrib") if not shutil.which(tool)]
    assert not missing, f"GNU gettext is needed to extract messages (missing: {missing})"
    tree = tmp_path_factory.mktemp("tree")
    locale_dir = tmp_path_factory.mktemp("locale")
    _mirror(tree)
    with pytest.MonkeyPatch.context() as mp, override_settings(LOCALE_PATHS=[str(locale_dir)]):
        mp.chdir(tree)
        call_command(
            "makemessages",
            locale=[to_locale(code) for code in LANGUAGES],
            ignore_patterns=list(IGNORE),  # makemessages extends the list in place
            verbosity=0,
        )
    return locale_dir


def test_some_language_besides_the_source_is_offered() -> None:
    assert LANGUAGES


def test_header_names_the_language_and_plural_rule(catalog: Catalog, language: str) -> None:
    assert str(catalog.locale) == to_locale(language)
    assert catalog.num_plurals >= 1
    assert catalog.plural_expr
    assert not catalog.fuzzy, "the header is marked fuzzy; msgfmt would ignore it"


def test_every_message_is_translated(catalog: Catalog) -> None:
    untranslated = [
        m.id for m in _messages(catalog) if not all(f.strip() for f in _forms(m.string))
    ]
    assert not untranslated, f"untranslated: {untranslated}"


def test_plural_messages_have_every_form(catalog: Catalog) -> None:
    wrong = [
        m.id
        for m in _messages(catalog)
        if m.pluralizable and len(_forms(m.string)) != catalog.num_plurals
    ]
    assert not wrong, f"plural forms missing (need {catalog.num_plurals}): {wrong}"


def test_no_message_is_fuzzy(catalog: Catalog) -> None:
    fuzzy = [m.id for m in _messages(catalog) if m.fuzzy]
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_no_obsolete_entries(catalog: Catalog) -> None:
    assert not catalog.obsolete, f"obsolete (#~) entries: {list(catalog.obsolete)}"


def test_placeholders_are_kept(catalog: Catalog) -> None:
    wrong = []
    for m in _messages(catalog):
        ids = _forms(m.id)
        allowed = set().union(*(_placeholders(i) for i in ids))
        strings = _forms(m.string)
        for n, s in enumerate(strings):
            found = _placeholders(s)
            # Every form may use only the msgid's placeholders; the last (most general) form,
            # and the only one of a message without plurals, must use all of them.
            if not found <= allowed or (n == len(strings) - 1 and found != allowed):
                wrong.append((m.id, s, sorted(found ^ allowed)))
    assert not wrong, f"placeholders differ: {wrong}"


def test_catalog_passes_babel_checks_and_compiles(catalog: Catalog) -> None:
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert not problems, problems
    buf = io.BytesIO()
    write_mo(buf, catalog)
    assert buf.getvalue()


def test_catalog_is_up_to_date_with_the_source(extracted: Path, language: str) -> None:
    # A fresh extraction has empty plural forms for every language's rule; only ids matter.
    fresh_po = _read(_po_path(extracted, language), language, strict=False)
    fresh = {_key(m) for m in _messages(fresh_po)}
    committed = {_key(m) for m in _messages(_read(_committed_po(language), language))}
    command = f"django-admin makemessages -l {to_locale(language)} " + " ".join(
        f'--ignore "{p}"' for p in IGNORE
    )
    missing = sorted(map(str, fresh - committed))
    stale = sorted(map(str, committed - fresh))
    assert not missing, f"source strings with no catalogue entry (run `{command}`): {missing}"
    assert not stale, f"catalogue entries no longer in the source (run `{command}`): {stale}"
