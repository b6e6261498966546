"""Clean-up and erasure: the archive and its retention, erasure requests and the destruction of
a person's data everywhere. May import context and shared.
"""
