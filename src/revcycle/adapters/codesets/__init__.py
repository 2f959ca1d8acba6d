"""External code sets (X12 CARC / RARC and group codes, ICD-10-CM, HCPCS, place of service), each
loaded lazily from the shared code-set folder, once, never at import time."""
