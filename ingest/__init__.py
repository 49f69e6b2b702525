"""Mail in and out: blob store, reply tokens, MIME parsing, matching, IMAP and SMTP."""
