"""Import Presidio for CPU spaCy NER only; every module that imports presidio imports this first.

Presidio's NLP package imports transformers for its optional Hugging Face token pipeline
(~4 s) and imports torch to pick a device (~3 s), and thinc (under spaCy) imports torch for its
optional PyTorch layers (~1 CPU-second in every prepare worker); governance runs spaCy NER on the
Processing instance's CPU with numpy and uses none of them. Presidio is imported while
transformers and torch read as absent, which leaves those optional parts off; the entries are
removed again, so code that needs either later in the same process still imports it normally
(where one is already imported, it is left alone).
"""

import os
import sys

os.environ.setdefault("PRESIDIO_DEVICE", "cpu")
if "presidio_analyzer" not in sys.modules:
    _hidden = [name for name in ("transformers", "torch") if name not in sys.modules]
    for _name in _hidden:
        sys.modules[_name] = None  # type: ignore[assignment]
    try:
        import presidio_analyzer  # noqa: F401
    finally:
        for _name in _hidden:
            del sys.modules[_name]
