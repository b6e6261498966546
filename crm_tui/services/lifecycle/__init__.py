"""A relationship's lifecycle after registration: suspension, resumption, deregistration of a
line, termination of the customer, re-establishment from the archive, and the order steps they
run. May import customers, orders, lines, privacy, operators, context, shared; never identity or
dedupe.
"""
