"""The security tests drive the CLI as a script would: the same `cli` fixture as tests/cli."""

from tests.cli.conftest import cli  # noqa: F401 - a shared fixture
