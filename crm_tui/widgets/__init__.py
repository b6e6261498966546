"""Reusable workbench widgets: form fields, the identify box, the header, tables and the worker helper;
and the app's light helpers (themes, failures told and logged, the services' opening)."""
