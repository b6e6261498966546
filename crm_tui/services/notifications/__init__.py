"""Telling the customer: the dispatcher that sends outbox events by email (SMTP) or SMS (the
notification gateway), honouring do-not-disturb, once per event however many dispatchers run.
May import context and shared (it sits beside customers, orders, lines, privacy, operators).
"""
