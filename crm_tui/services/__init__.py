"""Use cases: plain functions over a unit of work; the only code that opens a transaction.

Laid out by the domain, one room per noun a CSR or a supervisor uses. Layers, top may import
bottom, never the reverse (import-linter keeps them in CI, see pyproject.toml):

    bootstrap                                    the composition root: opens services, registers
    queues | seeding                             supervisor queues; demo data
    identity | dedupe | lifecycle                independent of each other
    customers | orders | lines | privacy | operators
    context                                      Services, the contracts bootstrap fills
    shared                                       views, permissions, validation, audit, outbox...

Services may import storage, config, domain, errors and identifiers; never Textual, never a face.
No import inside a function here: the contracts must see every edge.
"""
