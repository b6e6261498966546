"""Alembic migrations. HEAD_REVISION lets start-up skip Alembic when the schema is current;
a test keeps it equal to the newest revision file.

The chain (each file's down_revision): ... 0005_match_models -> 0009_blacklist_receipts ->
0006_profile_edit -> 0008_login_names -> 0010_folded_names -> 0011_step_answers -> 0012_incomplete_customers. The numbers were
given to work done side by side; the order is the order it landed in."""

HEAD_REVISION = "0012_incomplete_customers"
