"""The demo network: six member libraries of Đồng Tháp province sharing real LC records."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from harvesters.marcfile import read_marc_path
from harvesters.raw import RawRecord
from store.sources import Source

DEMO_SOURCES = (
    Source("VN-DT-001", "Thư viện tỉnh Đồng Tháp", "provincial", "Thành phố Cao Lãnh",
           lat=10.4603, lon=105.6329, priority=3, holdings_field="852"),
    Source("VN-DT-010", "Thư viện huyện Cao Lãnh", "district", "Huyện Cao Lãnh",
           lat=10.4256, lon=105.7283, priority=1),
    Source("VN-DT-011", "Thư viện thành phố Sa Đéc", "district", "Thành phố Sa Đéc",
           lat=10.2920, lon=105.7560, priority=1),
    Source("VN-DT-020", "Thư viện Trường Đại học Đồng Tháp", "university", "Thành phố Cao Lãnh",
           lat=10.4571, lon=105.6405, priority=2, holdings_field="952$o"),
    Source("VN-DT-030", "Thư viện Trường Cao đẳng Cộng đồng Đồng Tháp", "college",
           "Thành phố Cao Lãnh", lat=10.4630, lon=105.6240, priority=1),
    Source("VN-DT-090", "Thư viện Bộ Chỉ huy Quân sự tỉnh", "armed-forces", "Thành phố Cao Lãnh",
           lat=10.4550, lon=105.6370, priority=0, restricted=True),
)


def demo_file() -> Path:
    """The bundled demo set: 4,392 real Library of Congress records (gzip ISO 2709)."""
    bundled = Path(str(resources.files("app"))).parent / "demo" / "lc-demo.mrc.gz"
    if not bundled.exists():
        raise FileNotFoundError(f"demo data missing at {bundled}: run from a unioncat checkout")
    return bundled


def holders(raw: RawRecord) -> list[str]:
    """Which demo libraries hold a record: every record one, about a third two or three."""
    spread = zlib.crc32(raw.data[:64] + raw.data[-64:])
    codes = [s.code for s in DEMO_SOURCES]
    first = spread % len(codes)
    extra = (spread >> 8) % 9
    chosen = [codes[first]]
    if extra < 3:
        chosen.append(codes[(first + 1 + extra) % len(codes)])
    if extra == 0:
        chosen.append(codes[(first + 3) % len(codes)])
    return chosen


def demo_records(code: str) -> Iterator[RawRecord]:
    return (raw for raw in read_marc_path(demo_file()) if code in holders(raw))
