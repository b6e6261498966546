"""`python -m crm_tui`: the same as the `crm-tui` console script (for venvs without scripts on PATH)."""

from crm_tui.launch import script

script()
