"""MIME parsing for incoming mail, split by concern; import the public names from ``ingest.parsing``."""
