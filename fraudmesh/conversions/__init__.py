"""The one place where the fraud.v1 messages meet the outside world's shapes.

- `enums`: every enum's names in the REST API, the database and the history files, from the descriptors.
- `money`: the default currency, the ISO 4217 check, major <-> minor units by the currency's exponent.
- `time`: RFC 3339 text and optional datetimes of Timestamp fields (on fraudmesh.timestamps' primitives).
- `rest`: REST JSON <-> messages (transaction input in; decision, model and statistics objects out).
- `rows`: messages <-> rows of the `transactions` table.
"""
