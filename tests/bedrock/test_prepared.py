"""What `fmops data prepare` writes is exactly what `fmops bedrock submit` accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.bedrock.prepared import UnpreparedDataError, check_prepared
from training_scripts.governance.pipeline import PrepareOutputs, PrepareSettings, prepare


def test_prepare_outputs_are_accepted_and_other_files_are_not(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "data.jsonl"
    raw.parent.mkdir()
    rows = [{"prompt": f"How do I renew warranty {i}?", "completion": f"Open case {i} online."}
            for i in range(12)]  # fmt: skip
    raw.write_text("".join(json.dumps(r) + "\n" for r in rows))
    outputs = PrepareOutputs.under(tmp_path / "out")
    prepare(raw.parent, outputs, PrepareSettings(pii_mode="off"), "")
    check_prepared(outputs.train / "data.jsonl")
    check_prepared(outputs.validation / "data.jsonl")
    with pytest.raises(UnpreparedDataError, match="no prepare manifest"):
        check_prepared(raw)
    (outputs.governance / "manifest.json").write_text("{}")
    with pytest.raises(UnpreparedDataError, match="not a prepare manifest"):
        check_prepared(outputs.train / "data.jsonl")
