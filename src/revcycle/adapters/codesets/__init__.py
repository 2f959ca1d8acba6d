"""Code sets (NUCC taxonomy, place of service, ICD-10-CM, HCPCS, ...), each loaded lazily, once."""
