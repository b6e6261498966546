"""The workbench screens, one module per purpose."""
