"""A run's summary says where each stream stands: a mirror cursor, or a watermark."""

from integrations.admin.runs import _position
from integrations.reporting import position


def test_a_mirror_stream_reports_its_cursor_and_a_remote_stream_its_watermark():
    assert position({"cursor_before": 0, "cursor_after": 812}) == "mirror seq=812"
    assert position({"watermark_after": 1_700_000_000}) == "watermark=1700000000"
    assert _position({"cursor_before": 0, "cursor_after": 812}, "before") == "-"
    assert _position({"cursor_before": 0, "cursor_after": 812}, "after") == "seq 812"
    assert _position({"watermark_before": None}, "before") == "-"
