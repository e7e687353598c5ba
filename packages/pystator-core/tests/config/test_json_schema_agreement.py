"""The committed JSON Schema and the Pydantic models agree: on every corpus fixture (and the
submachine files beside them) the schema accepts exactly the documents the models accept
structurally. Semantic problems (unknown states, ...) are beyond a schema, so those fixtures pass it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pystator.config import load_file
from pystator_contracts.schema import SCHEMA_PATH
from pystator_contracts.validation import check_structure

CORPUS = Path(__file__).parent / "corpus"
FIXTURES = sorted(CORPUS.rglob("*.yaml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=None)


def test_the_corpus_covers_both_outcomes(validator: jsonschema.Draft202012Validator) -> None:
    outcomes = {validator.is_valid(load_file(path)) for path in FIXTURES}
    assert outcomes == {True, False}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_schema_and_models_agree(path: Path, validator: jsonschema.Draft202012Validator) -> None:
    data: Any = load_file(path)
    model, problems = check_structure(data)
    schema_errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert (model is not None) == (not schema_errors), (problems, schema_errors)
