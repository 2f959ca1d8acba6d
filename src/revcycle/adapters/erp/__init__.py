"""ERP connections (master data pulled over REST)."""
