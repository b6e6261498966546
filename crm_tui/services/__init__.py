"""Use cases: plain functions taking a unit of work; the only code that opens a transaction."""
