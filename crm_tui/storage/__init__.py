"""Storage: SQLModel tables (`models/`, one module a room; `schema` loads them all), the engine, the unit of
work, migrations and the demo data generator."""
