"""E-mail backends for child processes that play a worker killed in the middle of a batch.

``EmailBackend`` writes each message to a file (Django's file backend, ``EMAIL_FILE_PATH``), so
what was handed to the "mail server" outlives the process, and SIGKILLs its own process at the
message numbered ``HELPDESK_TEST_DIE_AT_MESSAGE``: before writing it when
``HELPDESK_TEST_DIE_WHEN`` is ``before``, just after when it is ``after``. No cleanup runs, as
with a worker killed by the OOM killer or a lost machine.
"""

import email
import os
import signal
from pathlib import Path

from django.core.mail.backends import filebased

SEPARATOR = b"-" * 79 + b"\n"
_handed_over = 0


class EmailBackend(filebased.EmailBackend):
    def write_message(self, message):
        global _handed_over
        _handed_over += 1
        dies_here = _handed_over == int(os.environ["HELPDESK_TEST_DIE_AT_MESSAGE"])
        when = os.environ["HELPDESK_TEST_DIE_WHEN"]
        if dies_here and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        super().write_message(message)
        self.stream.flush()
        if dies_here and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)


def delivered(mail_dir: Path) -> list[email.message.Message]:
    """Every message the file backend wrote into ``mail_dir``, from any process."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk))
    return messages
