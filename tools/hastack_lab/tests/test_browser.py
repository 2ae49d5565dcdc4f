"""The DevTools pipe's framing: NUL-ended JSON messages, arriving in any chunks."""

import pytest

from hastack_lab import browser as browser_lib


@pytest.mark.parametrize("buffer, messages, rest", [
    (b"", [], b""),
    (b'{"id": 1}\0', [{"id": 1}], b""),
    (b'{"id": 1}\0{"method": "Page.loadEventFired"}\0{"id"', [{"id": 1}, {"method": "Page.loadEventFired"}],
     b'{"id"'),
    (b'{"id": 2, "result": {"data": "a\\u0000b"}}\0', [{"id": 2, "result": {"data": "a\0b"}}], b""),
    (b'{"partial": ', [], b'{"partial": '),
])
def test_frames(buffer, messages, rest):
    assert browser_lib.frames(buffer) == (messages, rest)


def test_frames_reassemble_a_message_split_across_reads():
    first, rest = browser_lib.frames(b'{"id": 7, "res')
    second, rest = browser_lib.frames(rest + b'ult": {}}\0')
    assert (first, second, rest) == ([], [{"id": 7, "result": {}}], b"")
