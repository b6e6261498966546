"""Reusable workbench widgets: form fields, the identify box, the header, tables and the worker helper."""
