"""Establish Customer Identity (eTOM 1.3.4.2.2): the registration form and its checks (near
matches, blacklist, credit), registering, held registrations, attachments, customer
authentication, bulk import. May import customers, orders, lines, privacy, operators, context,
shared; never dedupe or lifecycle.
"""
