"""crm-tui: a terminal workbench for a telecom operator's shop counter (eTOM 1.3.4 Customer Management)."""

__version__ = "0.1.0"
