"""X-Ray: on in Lambda (boto and requests patched), absent locally; the app works either way."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
import app
from chalicelib import tracing
print(tracing.enable(), "aws_xray_sdk" in sys.modules)
"""


def run(extra_env: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"} | extra_env
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout


def test_tracing_is_off_and_not_even_imported_locally():
    assert run({}).strip() == "False False"


def test_tracing_patches_in_lambda():
    out = run({"AWS_LAMBDA_FUNCTION_NAME": "huiliu-prod"})
    assert out.strip() == "True True"
