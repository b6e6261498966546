"""The durable order engine (steps in rows, each attempt committed before its work, idempotency
keys) and the adapters to the external systems it calls. Order types and step kinds are data of
the rooms that own them; services.bootstrap registers them here. May import context and shared.
"""
