"""Lines: number and SIM inventory, giving a customer a line, loading a line by its number.
May import context and shared.
"""
