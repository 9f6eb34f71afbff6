"""The PII modes, in a module of their own: the prepare pipeline checks a mode without
importing Presidio and spaCy (seconds per process) when PII is off."""

MODES = ("redact", "pseudonymize", "off")
