"""Where crm-tui keeps its files by default; light to import (the workbench reads it before anything else)."""

from __future__ import annotations

from platformdirs import user_data_path

DEFAULT_DATA_DIR = user_data_path("crm-tui", appauthor=False)
"""The embedded database, attachments and the error log live here unless CRM_DATA_DIR moves them."""

LOG_NAME = "crm-tui.log"
"""The error log's file name in the data folder."""

DEFAULT_LOG_PATH = DEFAULT_DATA_DIR / LOG_NAME
"""Where unexpected failures are logged when the settings themselves could not be read."""
