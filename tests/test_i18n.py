"""Every word a user reads is marked for translation, and every catalogue translates every marked word.

The first test reads the code (Python's ast) for text handed to the places people read: toasts,
labels, buttons, titles, placeholders, table headers, binding descriptions, errors raised to users,
field messages, CLI output. Such text must be the direct argument of `_()` (or `N_()` for a
constant translated where it is shown, or `ngettext()`); an f-string there cannot be translated and
is refused too (`_("... {name}").format(name=...)` is the way). Text without words (punctuation,
markup, placeholders) is not language and passes. A line that is not for people can say so with
`# i18n: not for people` (for instance a message only a developer reads).

The second extracts the marked words with Babel, as `pybabel extract` does (babel.cfg), and asks
every catalogue in crm_tui/locale for each of them, with the same {placeholders}.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from crm_tui import i18n

PACKAGE = Path(i18n.__file__).parent
SCOPE = ("screens", "widgets", "cli", "services", "app.py", "errors.py", "present.py", "domain.py", "launch.py")
"""Where people's words live. Not here: storage (tables, migrations), the BSS simulator (a stand-in
for other systems, not part of the workbench), i18n itself."""

MARKS = {"_", "N_", "NC_", "ngettext", "pgettext"}
KEYWORDS = {**DEFAULT_KEYWORDS, "NC_": ((1, "c"), 2)}
"""What `pybabel extract` reads: its defaults (_, N_, ngettext, pgettext...) and NC_ (N_ with a context)."""
TEXT_CALLS = {
    # Textual widgets and the app: the first argument is shown
    "notify",
    "Static",
    "Label",
    "Button",
    "Markdown",
    "Checkbox",
    "RadioButton",
    "Switch",
    "Tab",
    "TabPane",
    "Collapsible",
    "Option",
    "update",
    "set_title",
    # tables (Textual's DataTable, rich's Table)
    "add_column",
    "add_columns",
    # CLI human output
    "echo",
    "secho",
    "say",
    "warn",
    "print",
    # lists of messages built for a report or a result
    "append",
}
TEXT_KEYWORDS = {
    "title",
    "sub_title",
    "placeholder",
    "label",
    "tooltip",
    "description",
    "prompt",
    "message",
    "reason_text",
}
TEXT_ATTRIBUTES = {"TITLE", "SUB_TITLE", "title", "sub_title", "border_title", "border_subtitle"}
INTERNAL_ERRORS = {
    "AssertionError",
    "AttributeError",
    "ImportError",
    "KeyError",
    "LookupError",
    "NotImplementedError",
    "RuntimeError",
    "StopIteration",
    "SystemExit",
    "TypeError",
}
PRAGMA = "# i18n: not for people"
_MARKUP = re.compile(r"\[/?[a-z0-9 #$@._=-]*\]|\{[^{}]*\}|%\([a-z_]+\)[sd]|%[sd]|\\[nt]")
_WORD = re.compile(r"[A-Za-z]{2,}")


def has_words(text: str) -> bool:
    """Language, once rich markup, {placeholders} and escapes are taken out."""
    return bool(_WORD.search(_MARKUP.sub(" ", text)))


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def bare_text(node: ast.AST) -> list[ast.AST]:
    """The unmarked literals with words in an expression shown to people. Follows the ways text is
    put together (+, a if b else c, or, f-strings, tuples, .format(), .join()), not other calls."""
    if isinstance(node, ast.Constant):
        return [node] if isinstance(node.value, str) and has_words(node.value) else []
    if isinstance(node, ast.JoinedStr):
        literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return [node] if has_words(literal) else []
    if isinstance(node, ast.BinOp):
        return bare_text(node.left) + bare_text(node.right)
    if isinstance(node, ast.IfExp):
        return bare_text(node.body) + bare_text(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [found for value in node.values for found in bare_text(value)]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [found for element in node.elts for found in bare_text(element)]
    if isinstance(node, ast.Call):
        if _name(node.func) in MARKS:
            return []
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
            return bare_text(node.func.value) + [found for arg in node.args for found in bare_text(arg)]
    return []


def _is_command_line_option(call: ast.Call) -> bool:
    """typer's Option/Argument: their first arguments are the option's names (`--name`, `-n`)."""
    return _name(call.func) in ("Option", "Argument") and any(
        isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.startswith("-") for a in call.args
    )


def _shown_arguments(call: ast.Call) -> list[ast.AST]:
    name = _name(call.func)
    shown: list[ast.AST] = []
    if _is_command_line_option(call):
        return [k.value for k in call.keywords if k.arg in TEXT_KEYWORDS - {"help"}]
    if name in TEXT_CALLS:
        if name == "add_columns":
            shown.extend(call.args)
        elif call.args:
            shown.append(call.args[0])
    if name == "Binding" and len(call.args) >= 3:
        shown.append(call.args[2])
    shown.extend(k.value for k in call.keywords if k.arg in TEXT_KEYWORDS)
    for keyword in call.keywords:
        if keyword.arg == "fields" and isinstance(keyword.value, ast.Dict):
            shown.extend(keyword.value.values)
    return shown


def unmarked(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every unmarked text a person would read in `path`."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found: list[ast.AST] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for argument in _shown_arguments(node):
                found.extend(bare_text(argument))
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            if _name(node.exc.func) not in INTERNAL_ERRORS and node.exc.args:
                found.extend(bare_text(node.exc.args[0]))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is not None and any(_name(t) in TEXT_ATTRIBUTES for t in targets):
                found.extend(bare_text(node.value))
    results = []
    for node in found:
        line = lines[node.lineno - 1]
        if PRAGMA not in line:
            results.append((node.lineno, ast.get_source_segment(source, node) or line.strip()))
    return sorted(set(results))


def source_files() -> list[Path]:
    files: list[Path] = []
    for entry in SCOPE:
        path = PACKAGE / entry
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_word_people_read_is_marked_for_translation(path):
    assert unmarked(path) == [], f"{path.relative_to(PACKAGE)}: mark these with _() (or N_() for constants)"


def test_the_check_finds_unmarked_text_and_passes_marked_text(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from crm_tui.i18n import _, N_\n"
        "self.notify('Saved.')\n"
        "self.notify(_('Saved.'))\n"
        "raise Conflict(f'Customer {cid} changed.')\n"
        "raise Conflict(_('Customer {cid} changed.').format(cid=cid))\n"
        "raise RuntimeError('not for people')\n"
        "Static('[b]{x}[/b] · —')\n"
        "Binding('e', 'edit', 'Edit')\n"
        "Binding('e', 'edit', N_('Edit'))\n"
        "raise InvalidInput(_('Check.'), fields={'email': 'Not an email.'})\n"
        "Input(placeholder='dd/mm/aaaa' if es else _('Date'))\n"
        "log.print('Internal detail')  # i18n: not for people\n"
    )
    assert [line for line, _text in unmarked(sample)] == [2, 4, 8, 10, 11]


def _marked_messages() -> dict[tuple[str | None, str], tuple[str, ...]]:
    """Every marked message, by (context, msgid) -> its forms (one; a plural's singular and plural)."""
    messages: dict[tuple[str | None, str], tuple[str, ...]] = {}
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(PACKAGE), [("**.py", "python")], keywords=KEYWORDS
    ):
        forms = tuple(m for m in message if m) if isinstance(message, tuple) else (message,)
        if forms and forms[0]:
            messages[(context, forms[0])] = forms
    return messages


def _catalogues() -> list[Path]:
    return sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/crm_tui.po"))


_PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")


def test_every_language_offered_has_a_catalogue():
    assert {path.parts[-3] for path in _catalogues()} >= set(i18n.LANGUAGES)


@pytest.mark.parametrize("catalogue", _catalogues(), ids=lambda p: p.parts[-3])
def test_every_catalogue_translates_every_marked_message_with_its_placeholders(catalogue):
    language = catalogue.parts[-3]
    with catalogue.open("rb") as stream:
        entries = {
            (m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(stream, locale=language) if m.id
        }
    marked = _marked_messages()
    missing = sorted(
        (text for text in marked if text not in entries or (language != "en" and not entries[text].string)), key=str
    )
    fuzzy = sorted((text for text in marked if text in entries and entries[text].fuzzy), key=str)
    assert missing == [], (
        f"{language}: {len(missing)} marked messages have no translation (pybabel update, then translate)"
    )
    assert fuzzy == [], f"{language}: fuzzy translations to check"
    wrong = []
    for text, forms in marked.items():
        allowed = {p for form in forms for p in _PLACEHOLDER.findall(form)}
        translated = entries[text].string
        for form in translated if isinstance(translated, tuple) else (translated,):
            found = set(_PLACEHOLDER.findall(form))
            if form and (found - allowed or (len(forms) == 1 and found != allowed)):
                wrong.append((text, form))
    assert wrong == [], "translations whose {placeholders} differ from the message"
