"""One error tree for the whole package; the CLI maps each class to an exit code.

Exit codes (STYLE 9.9): 0 ok; 1 a target failed; 2 plan/diff found changes (only for those
commands); 3 invalid input or usage; 4 a dependency is unreachable.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_TARGET_FAILED = 1
EXIT_CHANGES = 2
EXIT_INVALID_INPUT = 3
EXIT_UNREACHABLE = 4


class SharpeyesError(Exception):
    """Base of every error the CLI shows as one line plus an optional hint."""

    exit_code = EXIT_TARGET_FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InputError(SharpeyesError):
    """Bad input: a file, row or field that does not validate."""

    exit_code = EXIT_INVALID_INPUT


class ValidationFailed(InputError):
    """Several input problems at once; each names file, object/row and field."""

    def __init__(self, problems: list[str], *, what: str = "input") -> None:
        self.problems = problems
        super().__init__(f"{what}: {len(problems)} problem(s)\n" + "\n".join(problems))


class DatasetInvalid(ValidationFailed):
    """The repo's NetBox dataset fails validation (`sot validate`): invalid input, exit 3."""


class ArtifactsInvalid(ValidationFailed):
    """A vendor delivery or its manifest fails the artifact checks (tampered, missing, unlisted
    or mis-versioned .deb): invalid input, exit 3, nothing published."""


class DependencyUnavailable(SharpeyesError):
    """A service or tool we depend on is missing, not running or refuses us."""

    exit_code = EXIT_UNREACHABLE


class LabError(SharpeyesError):
    """The lab could not be brought up or down; whatever this call started is stopped."""

    exit_code = EXIT_TARGET_FAILED


class TargetFailed(SharpeyesError):
    """A write to a target (NetBox, host, switch) failed."""

    exit_code = EXIT_TARGET_FAILED
