"""The test catalog: realistic Vietnamese and English entries held by a small network.

Libraries: the provincial library, two district libraries, a university, a college, a
school and an armed-forces library whose holdings are restricted.
"""

from __future__ import annotations

from search.document import CatalogDocument, Holding

PROVINCIAL = Holding("VN-DT-001", "Thư viện tỉnh Đồng Tháp", "provincial", "Cao Lãnh")
SA_DEC = Holding("VN-DT-002", "Thư viện thành phố Sa Đéc", "district", "Sa Đéc")
LAP_VO = Holding("VN-DT-003", "Thư viện huyện Lấp Vò", "district", "Lấp Vò")
UNIVERSITY = Holding("VN-DT-U01", "Thư viện Đại học Đồng Tháp", "university", "Cao Lãnh")
COLLEGE = Holding("VN-DT-C01", "Thư viện Cao đẳng Cộng đồng", "college", "Cao Lãnh")
SCHOOL = Holding("VN-DT-S01", "Thư viện THPT Sa Đéc", "school", "Sa Đéc")
ARMY = Holding("VN-DT-QS1", "Thư viện Bộ Chỉ huy Quân sự tỉnh", "armed_forces", "Tân Hồng",
               restricted=True)


def _doc(id: str, title: str, **fields: object) -> CatalogDocument:
    return CatalogDocument(id=id, title=title, **fields)  # type: ignore[arg-type]


HCM = _doc(
    "hcm-toan-tap", "Hồ Chí Minh toàn tập. Tập 1", creators=("Hồ Chí Minh",),
    responsibility="Hội đồng xuất bản", subjects=("Tư tưởng Hồ Chí Minh",
                                                   "Việt Nam -- Lịch sử"),
    publisher="Chính trị Quốc gia", place="Hà Nội", year=2011, isbns=("9786045700189",),
    language="vie", classification=("335.4346",), series=("Hồ Chí Minh toàn tập",),
    holdings=(PROVINCIAL, SA_DEC, UNIVERSITY), added="2024-01-05T08:00:00")
KIEU = _doc(
    "truyen-kieu", "Truyện Kiều", creators=("Nguyễn Du",), subjects=("Văn học Việt Nam",
                                                                  "Thơ lục bát"),
    publisher="Văn học", place="Hà Nội", year=2015, isbns=("978-604-69-1234-9",),
    language="vie", classification=("895.9221",), holdings=(PROVINCIAL, SA_DEC, SCHOOL),
    added="2024-02-01T08:00:00")
VIET_SU = _doc(
    "viet-nam-su-luoc", "Việt Nam sử lược", creators=("Trần Trọng Kim",),
    subjects=("Việt Nam -- Lịch sử",), publisher="Văn hóa Thông tin", year=1999,
    isbns=("9786049445697",), language="vie", holdings=(PROVINCIAL,),
    added="2024-01-20T08:00:00")
VIET_VAN = _doc(
    "viet-van", "Viết văn như thế nào", creators=("Đỗ Quang Lưu",),
    subjects=("Sáng tác văn học",), publisher="Giáo dục", year=2005, language="vie",
    holdings=(LAP_VO,), added="2024-03-01T08:00:00")
DAT_RUNG = _doc(
    "dat-rung", "Đất rừng phương Nam", creators=("Đoàn Giỏi",),
    subjects=("Văn học thiếu nhi", "Văn học Việt Nam"), publisher="Kim Đồng", year=1957,
    language="vie", holdings=(SA_DEC, SCHOOL, LAP_VO), added="2024-01-10T08:00:00")
TAYLOR = _doc(
    "history-vietnam", "A history of the Vietnamese", creators=("Taylor, K. W.",),
    subjects=("Vietnam -- History",), publisher="Cambridge University Press",
    place="Cambridge", year=2013, isbns=("9780521875868",), language="eng",
    identifiers=("2012034210",), holdings=(UNIVERSITY,), added="2024-04-01T08:00:00")
PYTHON = _doc(
    "python", "Learning Python", creators=("Lutz, Mark",), edition="5th ed.",
    subjects=("Python (Computer program language)",), publisher="O'Reilly",
    place="Sebastopol", year=2013, isbns=("9781449355739",), language="eng",
    holdings=(UNIVERSITY, COLLEGE), added="2024-04-02T08:00:00")
QUAN_SU = _doc(
    "quan-su", "Nghệ thuật quân sự Việt Nam", creators=("Viện Lịch sử Quân sự",),
    subjects=("Quân sự -- Việt Nam",), publisher="Quân đội nhân dân", year=2001,
    isbns=("9786045151231",), language="vie", holdings=(ARMY,),
    added="2024-05-01T08:00:00")
CHIEN_TRANH = _doc(
    "chien-tranh", "Chiến tranh nhân dân Việt Nam", creators=("Võ Nguyên Giáp",),
    subjects=("Quân sự -- Việt Nam", "Việt Nam -- Lịch sử"), publisher="Quân đội nhân dân",
    year=1979, language="vie", holdings=(ARMY, PROVINCIAL), added="2024-05-02T08:00:00")
TAP_CHI = _doc(
    "tap-chi-van-hoc", "Tạp chí Văn học", publisher="Viện Văn học", year=1960,
    issns=("0866-7365",), language="vie", format="serial", holdings=(PROVINCIAL, UNIVERSITY),
    added="2024-01-02T08:00:00")
BAN_DO = _doc(
    "ban-do", "Bản đồ hành chính tỉnh Đồng Tháp", publisher="Tài nguyên - Môi trường",
    year=2010, language="vie", format="map", holdings=(PROVINCIAL,),
    added="2024-06-01T08:00:00")
CA_DAO = _doc(
    "ca-dao", "Ca dao tục ngữ Việt Nam", creators=("Vũ Ngọc Phan",),
    subjects=("Văn học dân gian", "Văn học Việt Nam"), language="vie",
    holdings=(LAP_VO,), added="2024-06-02T08:00:00")

CATALOG: list[CatalogDocument] = [HCM, KIEU, VIET_SU, VIET_VAN, DAT_RUNG, TAYLOR, PYTHON,
                                  QUAN_SU, CHIEN_TRANH, TAP_CHI, BAN_DO, CA_DAO]
PUBLIC_IDS = {d.id for d in CATALOG} - {"quan-su"}
