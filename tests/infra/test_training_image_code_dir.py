"""What the training image leaves in /opt/ml/code, SageMaker script mode's code directory.

The training toolkit `pip install`s a `requirements.txt` at the root of that directory before
the entrypoint runs (no package index in the isolated VPC; with one, it would swap the image's
torch). No image can be built offline, so the Dockerfile's effect on the directory is replayed
from its own instructions: the files `COPY .` puts there (minus .dockerignore) and the `rm`
commands of later RUN instructions.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from pathlib import Path

from deployment.training_images import default_processing_image, default_training_images
from pipelines.training_pipeline import TRAINING_SCRIPTS

CODE_DIR = "/opt/ml/code"
# The file the SageMaker training toolkit installs from (sagemaker-training-toolkit,
# `modules.install`: "requirements.txt" at the root of the module directory).
TOOLKIT_REQUIREMENTS = "requirements.txt"


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", dockerfile)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def _commands(shell: str) -> list[list[str]]:
    """The simple commands of a `&&`/`;`/`||` list, each as its words."""
    lexer = shlex.shlex(shell, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token in ("&&", ";", "||", "|"):
            commands.append([])
        else:
            commands[-1].append(token)
    return commands


def code_dir_after_build(context: Path) -> set[str]:
    """Names at the root of /opt/ml/code once the Dockerfile in `context` has run."""
    ignored = [
        line.strip()
        for line in (context / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    present: set[str] = set()
    for keyword, rest in _instructions((context / "Dockerfile").read_text()):
        if keyword == "COPY" and rest.split()[-1].rstrip("/") == CODE_DIR:
            sources = rest.split()[:-1]
            assert sources == ["."], f"COPY {rest}: only a whole-context copy is modelled"
            present |= {
                path.name
                for path in context.iterdir()
                if not any(fnmatch.fnmatch(path.name, p.removeprefix("**/")) for p in ignored)
            }
        elif keyword == "RUN":
            for words in _commands(rest):
                if not words or words[0] != "rm":
                    continue
                for target in (w for w in words[1:] if not w.startswith("-")):
                    if target.startswith(f"{CODE_DIR}/"):
                        pattern = target.removeprefix(f"{CODE_DIR}/")
                        present -= set(fnmatch.filter(present, pattern))
    return present


def test_the_code_directory_carries_no_requirements_file_for_script_mode() -> None:
    images = [*default_training_images().values(), default_processing_image()]
    stacks = {image.requirements for image in images}
    # The build context does hold the stacks the image installs at build time ...
    assert TOOLKIT_REQUIREMENTS in stacks
    assert all((TRAINING_SCRIPTS / name).is_file() for name in stacks)
    left = code_dir_after_build(TRAINING_SCRIPTS)
    # ... but none of them may remain where script mode would pip-install it.
    assert "train.py" in left and "contract.py" in left
    assert not {name for name in left if name.startswith("requirements")}, sorted(left)


def test_the_replay_sees_a_requirements_file_that_is_not_removed(tmp_path: Path) -> None:
    for name in ("Dockerfile", ".dockerignore", "train.py", TOOLKIT_REQUIREMENTS):
        (tmp_path / name).write_text((TRAINING_SCRIPTS / name).read_text())
    dockerfile = tmp_path / "Dockerfile"
    kept = re.sub(r"^RUN rm [^\n]*/opt/ml/code/[^\n]*$", "", dockerfile.read_text(), flags=re.M)
    dockerfile.write_text(kept)
    assert TOOLKIT_REQUIREMENTS in code_dir_after_build(tmp_path)
