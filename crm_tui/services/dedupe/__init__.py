"""De-duplication: the duplicate scan over the base and merging/unmerging a pair. May import
customers, orders, lines, privacy, operators, context, shared; never identity or lifecycle.
"""
