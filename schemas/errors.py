"""One root exception for the project; the CLI turns each into a one-line message."""


class NoticeflowError(Exception):
    """Base of every error noticeflow raises on purpose."""


class InputError(NoticeflowError):
    """A file that cannot be read as a notice (empty, binary, encrypted, needs OCR, ...)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
