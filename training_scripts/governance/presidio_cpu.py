"""Import Presidio for CPU spaCy NER only; every module that imports presidio imports this first.

Presidio's NLP package imports transformers for its optional Hugging Face token pipeline
(~4 s) and imports torch to pick a device (~3 s); governance runs spaCy NER on the Processing
instance's CPU and uses neither. Presidio is imported while transformers reads as absent, which
leaves that optional pipeline off; the entry is removed again, so code that needs transformers
later in the same process still imports it normally.
"""

import os
import sys

os.environ.setdefault("PRESIDIO_DEVICE", "cpu")
if "transformers" not in sys.modules and "presidio_analyzer" not in sys.modules:
    sys.modules["transformers"] = None  # type: ignore[assignment]
    try:
        import presidio_analyzer  # noqa: F401
    finally:
        del sys.modules["transformers"]
