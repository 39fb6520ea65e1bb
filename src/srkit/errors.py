"""The one error type srkit raises for bad input.

Every message names the thing (a file, an option, a model) and the reason, on
one line, so the CLI can print it as is and exit non-zero.
"""


class SrkitError(Exception):
    """Bad input or a request srkit cannot honour; the message is user-facing."""
