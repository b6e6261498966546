"""The SQLModel tables of DESIGN.md, one module a room, so a command loads only the tables it uses.

Every natural key is a UNIQUE constraint (two terminals can never create the same identity) and
every lookup key is indexed. Import a table from its room (`from crm_tui.storage.models.customers
import Customer`); this package imports none of them, so importing one room costs only that room
and the rooms its foreign keys point at (each room imports those: the ORM resolves a foreign key
when it orders a flush, and fails on a table that was never loaded). What needs every table at
once (migrations, the erasure check that searches every column) imports `crm_tui.storage.schema`.

    base        naming convention, column helpers (money, times, foreign keys)
    operators   Operator
    customers   Customer and what hangs on it: certificates, contacts, addresses, attachments,
                preferences, authentication, social accounts, interactions
    lines       Account, Offering, Subscriber, Contract, the number and SIM pools
    orders      Order, OrderStep, ExternalRequest
    money       Charge, Payment
    blacklist   BlacklistEntry
    outbox      OutboxEvent
    archive     ArchiveRecord
    audit       AuditEntry
    dedupe      DuplicateCandidate, MatchModelRecord, MergeRecord
    queues      QueueItem
    sequences   IdSequence

Why split (issue 21): building a SQLModel table costs about 6 ms (pydantic fields, the SQLAlchemy
mapping, and the mapper's configuration at the first query), and a CLI command is a whole process.
"""
