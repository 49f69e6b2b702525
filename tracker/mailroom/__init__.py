"""The glue between the mail library (`ingest`) and the database: delivery, extraction and mail-out tasks.

`ingest` knows MIME, tokens, blobs, extraction and the IMAP/SMTP transports and imports nothing from
`tracker`; this package runs them against the models, inside the app's units of work.
"""
