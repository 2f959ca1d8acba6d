"""Security: the permission matrix, credentials (passwords, TOTP, tokens), PHI encryption, audit chain."""
