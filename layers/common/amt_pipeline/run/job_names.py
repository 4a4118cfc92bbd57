"""SageMaker's naming rules for the jobs a run starts: the one place they are written.

The run id is the tuning job's name, so it follows the tuning-job rule; the
local engine checks names against the same patterns.
"""

from __future__ import annotations

import re

TUNING_JOB_NAME_MAX_LENGTH = 32
TUNING_JOB_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$")
TRAINING_JOB_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
