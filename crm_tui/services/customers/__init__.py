"""Customers as they are: Verify Customer (search by any key, identify, the customer view), the
matching model (used by identity and dedupe alike), a customer's status, export. May import
services.context and services.shared.
"""
