"""What every room uses: views (the pydantic results the faces show), permissions, validation of
typed text, the audit trail, the outbox, the catalogue, passwords, certificates, capturing an
interaction, taking a payment. May import storage, config, domain, errors, identifiers; nothing
else of services.
"""
