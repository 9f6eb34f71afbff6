"""Import Presidio for CPU spaCy NER only; every module that imports presidio imports this first.

Presidio's NLP package imports transformers for its optional Hugging Face token pipeline
(~4 s) and imports torch to pick a device (~3 s), and thinc (under spaCy) imports torch for its
optional PyTorch layers (~1 CPU-second in every prepare worker); governance runs spaCy NER on the
Processing instance's CPU with numpy and uses none of them. Presidio is imported while
transformers and torch read as absent, which leaves those optional parts off; the entries are
removed again, so code that needs either later in the same process still imports it normally
(where one is already imported, it is left alone).

spaCy's package imports its command line for `spacy.info` (requests, httpx, typer, weasel:
~0.1 CPU-s per prepare run), which governance never runs: where spaCy is not imported yet, it is
imported with a stand-in `spacy.cli.info` whose `info` imports the real one when called; the
stand-ins are removed again, so `import spacy.cli` later gets the real command line.
"""

import os
import sys
import types
from typing import Any

os.environ.setdefault("PRESIDIO_DEVICE", "cpu")


def _spacy_info(*args: Any, **kwargs: Any) -> Any:
    from spacy.cli.info import info

    return info(*args, **kwargs)


def _stand_in_spacy_cli() -> dict[str, types.ModuleType]:
    info = types.ModuleType("spacy.cli.info")
    info.info = _spacy_info  # type: ignore[attr-defined]
    return {"spacy.cli": types.ModuleType("spacy.cli"), "spacy.cli.info": info}


if "presidio_analyzer" not in sys.modules:
    _hidden = [name for name in ("transformers", "torch") if name not in sys.modules]
    for _name in _hidden:
        sys.modules[_name] = None  # type: ignore[assignment]
    _stand_ins = _stand_in_spacy_cli() if "spacy" not in sys.modules else {}
    sys.modules.update(_stand_ins)
    try:
        import presidio_analyzer  # noqa: F401
    finally:
        for _name in [*_hidden, *_stand_ins]:
            del sys.modules[_name]
