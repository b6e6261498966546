"""The workbench's language: which locale a run speaks, and `_()` for its words.

The locale comes from, in order: the signed-in operator's preference (`operator add --language es`,
stored on the operator), `CRM_LOCALE`, the system's (`LC_ALL`, `LC_MESSAGES`, `LANG`), else
`en_IE` (English words, euros, day-first dates). Words go through `_()` (gettext): with no
compiled catalogue for the language it returns the English text unchanged, so marking strings is
mechanical and costs nothing until a catalogue ships (crm_tui/locale/<lang>/LC_MESSAGES/crm_tui.mo,
made with Babel's extract/update/compile, see the README).

Standard library only, and cheap to import: the sign-in screen is on the cold-start path.
`crm_tui.present` builds its Babel formats on the locale chosen here.
"""

from __future__ import annotations

import gettext
import os
import re
from functools import cache
from io import BytesIO
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
"""Compiled catalogues, shipped in the wheel: LOCALE_DIR/<lang>/LC_MESSAGES/crm_tui.mo."""
DOMAIN = "crm_tui"
FALLBACK = "en_IE"
"""When neither the operator, CRM_LOCALE nor the system names a locale."""
LANGUAGES = ("es", "en")
"""The languages the workbench offers (a catalogue each, once the strings are marked)."""

_TAG = re.compile(r"^([a-zA-Z]{2,3})(?:[_-]([a-zA-Z]{2}|\d{3}))?(?:[.@].*)?$")
_current: dict[str, str | None] = {"locale": None}
_from_environment: list[tuple[tuple[str | None, ...], str]] = []
"""The locale last resolved from the environment, with the variables it was resolved from: `_()` runs
for every word shown, and reading four variables costs less than parsing them again."""


def normalize_tag(value: str | None) -> str | None:
    """`es`, `es-ES`, `es_ES.UTF-8` -> `es` / `es_ES`; `C`, `POSIX`, empty or malformed -> None."""
    if not value:
        return None
    match = _TAG.fullmatch(value.strip())
    if match is None or value.strip().upper() in ("C", "POSIX"):
        return None
    language, territory = match.group(1).lower(), match.group(2)
    return f"{language}_{territory.upper()}" if territory else language


def system_locale() -> str | None:
    """The locale the environment names (the first of LC_ALL, LC_MESSAGES, LANG that names one)."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        tag = normalize_tag(os.environ.get(variable))
        if tag:
            return tag
    return None


def resolve_locale(operator_language: str | None = None, configured: str | None = None) -> str:
    """The operator's language, else CRM_LOCALE (`configured`, or the variable itself), else the system's."""
    for candidate in (operator_language, configured, os.environ.get("CRM_LOCALE")):
        tag = normalize_tag(candidate)
        if tag:
            return tag
    return system_locale() or FALLBACK


def use_locale(tag: str | None) -> str:
    """Speak `tag` from now on in this process (None: resolve again from CRM_LOCALE and the system)."""
    _current["locale"] = normalize_tag(tag)
    return current_locale()


def current_locale() -> str:
    """The locale this process speaks now: `es_ES`, `en`, ..."""
    chosen = _current["locale"]
    if chosen:
        return chosen
    environ = os.environ
    names = tuple(environ.get(name) for name in ("CRM_LOCALE", "LC_ALL", "LC_MESSAGES", "LANG"))
    if not _from_environment or _from_environment[0][0] != names:
        _from_environment[:] = [(names, resolve_locale())]
    return _from_environment[0][1]


def current_language() -> str:
    """The language part of the current locale: `es`, `en`."""
    return current_locale().split("_")[0]


def catalogue_paths(language: str) -> tuple[Path, Path]:
    """The catalogue's source (.po, kept in git) and its compiled form (.mo, built, not kept)."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    return folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"


def compile_catalogue(language: str) -> bytes | None:
    """The .mo bytes of `language`'s .po (Babel's compiler), written beside it when the folder is
    writable; None when there is no .po. The wheel ships compiled catalogues (setup.py compiles
    them at build time); a development checkout compiles here, on first use after an edit."""
    from babel.messages.mofile import write_mo  # noqa: PLC0415
    from babel.messages.pofile import read_po  # noqa: PLC0415

    source, compiled = catalogue_paths(language)
    if not source.exists():
        return None
    with source.open("rb") as stream:
        catalog = read_po(stream, locale=language, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    data = buffer.getvalue()
    try:  # atomically: test workers and terminals may compile at once
        partial = compiled.with_name(f"{compiled.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, compiled)
    except OSError:
        pass  # an installed, read-only package: the catalogue is used from memory
    return data


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    source, compiled = catalogue_paths(language)
    if compiled.exists() and (not source.exists() or compiled.stat().st_mtime >= source.stat().st_mtime):
        with compiled.open("rb") as stream:
            return gettext.GNUTranslations(stream)
    data = compile_catalogue(language)
    if data is None:
        return gettext.NullTranslations()
    return gettext.GNUTranslations(BytesIO(data))


def NC_(context: str, message: str) -> str:  # noqa: N802 - N_ with a context, as pgettext has
    """Mark `message` in `context` for the catalogue; translate where shown with `pgettext(context, message)`."""
    return message


def language_name(language: str) -> str:
    """`language`'s name in itself, as a CSR would look for it: `es` -> "español", `en` -> "English"."""
    from babel import Locale  # noqa: PLC0415 - only when languages are listed (the palette)

    tag = normalize_tag(language) or language
    return Locale.parse(tag).get_display_name(tag) or language


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    """Mark `message` for the catalogue without translating it: for module-level constants
    (binding descriptions, labels of enums) that are translated with `_()` where they are shown."""
    return message


def _(message: str) -> str:
    """`message` in the current language (as written when its catalogue lacks it; "" stays "")."""
    if not message:
        return message
    return _catalogue(current_language()).gettext(message)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language, where the same English means two things (`pgettext("status",
    "Open")` is "Abierto", `_("Open")` the verb "Abrir")."""
    return _catalogue(current_language()).pgettext(context, message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the current language."""
    return _catalogue(current_language()).ngettext(singular, plural, count)
