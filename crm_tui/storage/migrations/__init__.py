"""Alembic migrations. HEAD_REVISION lets start-up skip Alembic when the schema is current;
a test keeps it equal to the newest revision file."""

HEAD_REVISION = "0010_folded_names"
