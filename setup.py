"""Compile the gettext catalogues (crm_tui/locale/<lang>/LC_MESSAGES/crm_tui.po) into the wheel.

Everything else about the package is in pyproject.toml. A development checkout (`pip install -e`)
needs no build step: crm_tui.i18n compiles a catalogue on first use when its .mo is missing or
older than its .po.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogues(build_py):
    """build_py, then each .po compiled with Babel into the built package as .mo."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for source in Path("crm_tui/locale").glob("*/LC_MESSAGES/*.po"):
            target = Path(self.build_lib) / source.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with source.open("rb") as stream:
                catalog = read_po(stream, locale=source.parts[-3], domain=source.stem)
            with target.open("wb") as stream:
                write_mo(stream, catalog)


setup(cmdclass={"build_py": BuildWithCatalogues})
