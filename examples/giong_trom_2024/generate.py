"""Regenerate the Giồng Trôm 2024 example: configuration, submissions and expected results.

    .venv/bin/python examples/giong_trom_2024/generate.py           # rewrite the files
    .venv/bin/python examples/giong_trom_2024/generate.py --check   # fail if they differ

Everything here is written from the tables below with a fixed random seed, so a run
reproduces the checked-in files byte for byte. `expected.json` is then computed from
the files actually written (an intake and a roll-up of its own, following SPEC.md §2
and §3 in plain Python with exact fractions); no chitieu code is imported, so the
example checks the project rather than mirrors it.

Standard library only (no YAML parser is available to it, which is why the catalog is
defined here and written out as YAML, rather than read).
"""

# ruff: noqa: E501  (the catalog tables read best one entry per line)
from __future__ import annotations

import argparse
import csv
import datetime as dt
import filecmp
import hashlib
import io
import json
import random
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 2024
YEAR = 2024
ROOT = "834"
TZ = dt.timezone(dt.timedelta(hours=7))

# --------------------------------------------------------------------------------------
# The hierarchy (real: GSO codes and names as of March 2025, and the 1 July 2025
# reform from vn_admin_crosswalk_2025-07-01.csv; every old unit there is `full`).
# --------------------------------------------------------------------------------------

# code, official name, 2023 households (illustrative), successor from 2025-07-01
COMMUNES: list[tuple[str, str, int, str]] = [
    ("28984", "Thị trấn Giồng Trôm", 3620, "28984"),
    ("28987", "Xã Phong Nẫm", 3050, "28987"),
    ("28993", "Xã Mỹ Thạnh", 2310, "28993"),
    ("28996", "Xã Châu Hòa", 2870, "28996"),
    ("28999", "Xã Lương Hòa", 2960, "28987"),
    ("29002", "Xã Lương Quới", 2240, "28996"),
    ("29005", "Xã Lương Phú", 2410, "28993"),
    ("29008", "Xã Châu Bình", 2780, "28996"),
    ("29011", "Xã Thuận Điền", 1920, "28993"),
    ("29014", "Xã Sơn Phú", 2350, "28777"),
    ("29017", "Xã Bình Hoà", 2690, "28984"),
    ("29020", "Xã Phước Long", 2830, "29020"),
    ("29023", "Xã Hưng Phong", 1760, "29020"),
    ("29026", "Xã Long Mỹ", 1980, "29020"),
    ("29029", "Xã Tân Hào", 2650, "29029"),
    ("29032", "Xã Bình Thành", 2120, "28984"),
    ("29035", "Xã Tân Thanh", 2060, "29044"),
    ("29038", "Xã Tân Lợi Thạnh", 2540, "29029"),
    ("29041", "Xã Thạnh Phú Đông", 2730, "29029"),
    ("29044", "Xã Hưng Nhượng", 2380, "29044"),
    ("29047", "Xã Hưng Lễ", 2150, "29044"),
]
# Units of Vĩnh Long province from 2025-07-01 that took over the 21 communes.
NEW_COMMUNES: list[tuple[str, str]] = [
    ("28984", "Xã Giồng Trôm"),  # Thị trấn Giồng Trôm + Bình Hoà + Bình Thành
    ("28987", "Xã Lương Hòa"),  # Phong Nẫm + Lương Hòa
    ("28993", "Xã Lương Phú"),  # Mỹ Thạnh + Lương Phú + Thuận Điền
    ("28996", "Xã Châu Hòa"),  # Châu Hòa + Lương Quới + Châu Bình
    ("29020", "Xã Phước Long"),  # Phước Long + Hưng Phong + Long Mỹ
    ("29029", "Xã Tân Hào"),  # Tân Hào + Tân Lợi Thạnh + Thạnh Phú Đông
    ("29044", "Xã Hưng Nhượng"),  # Tân Thanh + Hưng Nhượng + Hưng Lễ
    ("28777", "Phường An Hội"),  # old An Hội (Bến Tre city) + Mỹ Thạnh An + Phú Nhuận + Sơn Phú
]
OLD_FROM, OLD_TO, NEW_FROM = "2020-01-01", "2025-06-30", "2025-07-01"
JSON_COMMUNES = {"29041", "29047"}  # send JSON instead of CSV
BOM_COMMUNES = {"29023"}  # saves CSV from Excel, with a UTF-8 BOM
CODES = [c[0] for c in COMMUNES]
NAMES = {c[0]: c[1] for c in COMMUNES} | {ROOT: "Huyện Giồng Trôm"}

# --------------------------------------------------------------------------------------
# The catalog. Elements: code, name, name_en, unit, value_type, time, org, collected_at, max
# --------------------------------------------------------------------------------------

C, D = "commune", "district"
# fmt: off
ELEMENTS: list[tuple[str, str, str, str, str, str, str, str, int]] = [
    ("DANG_VIEN_MOI", "Số đảng viên mới được kết nạp", "New party members admitted", "người", "integer", "sum", "sum", C, 20),
    ("CHI_BO_TSVM", "Số chi bộ ấp, khu phố được công nhận trong sạch, vững mạnh toàn diện", "Hamlet party cells recognised clean and strong", "chi bộ", "integer", "sum", "sum", C, 20),
    ("DV_TONG", "Tổng số đảng viên được đánh giá, xếp loại", "Party members assessed", "đảng viên", "integer", "last", "sum", D, 20000),
    ("DV_HTT", "Số đảng viên hoàn thành tốt nhiệm vụ trở lên", "Party members rated 'good' or better", "đảng viên", "integer", "last", "sum", D, 20000),
    ("TCCSD_TONG", "Tổng số tổ chức cơ sở đảng được đánh giá", "Grassroots party organisations assessed", "tổ chức", "integer", "last", "sum", D, 500),
    ("TCCSD_HTT", "Số tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên", "Grassroots party organisations rated 'good' or better", "tổ chức", "integer", "last", "sum", D, 500),
    ("GTSX_CN", "Giá trị sản xuất công nghiệp - tiểu thủ công nghiệp", "Industrial and handicraft production value", "tỷ đồng", "number", "sum", "sum", D, 10000),
    ("THU_NSNN", "Thu ngân sách nhà nước trên địa bàn", "State budget revenue collected in the district", "tỷ đồng", "number", "sum", "sum", D, 1000),
    ("VON_DTXH", "Vốn đầu tư phát triển toàn xã hội", "Total social investment", "tỷ đồng", "number", "sum", "sum", D, 20000),
    ("THU_NHAP_BQ", "Thu nhập bình quân đầu người", "Income per capita", "triệu đồng/người/năm", "number", "last", "average", D, 500),
    ("DN_MOI", "Số doanh nghiệp thành lập mới", "New enterprises registered", "doanh nghiệp", "integer", "sum", "sum", D, 500),
    ("HTX_MOI", "Số hợp tác xã thành lập mới", "New cooperatives founded", "hợp tác xã", "integer", "sum", "sum", C, 10),
    ("THT_MOI", "Số tổ hợp tác thành lập mới", "New cooperative groups founded", "tổ hợp tác", "integer", "sum", "sum", C, 10),
    ("OCOP_3SAO", "Số sản phẩm OCOP đạt từ 3 sao trở lên (lũy kế)", "OCOP products rated 3 stars or more (cumulative)", "sản phẩm", "integer", "last", "sum", D, 500),
    ("DT_CHUYEN_DOI", "Diện tích chuyển đổi cây trồng kém hiệu quả", "Area converted from low-yield crops", "ha", "number", "sum", "sum", C, 200),
    ("DT_DUA_HUU_CO", "Diện tích dừa được chứng nhận hữu cơ mới", "Coconut area newly certified organic", "ha", "number", "sum", "sum", C, 500),
    ("NTM_DAT_CHUAN", "Xã đạt chuẩn nông thôn mới", "Commune meets the new-rural (NTM) standard", "xã", "boolean", "max", "sum", C, 1),
    ("NTM_NANG_CAO", "Xã đạt chuẩn nông thôn mới nâng cao", "Commune meets the advanced NTM standard", "xã", "boolean", "max", "sum", C, 1),
    ("NTM_KIEU_MAU", "Xã đạt chuẩn nông thôn mới kiểu mẫu", "Commune meets the model NTM standard", "xã", "boolean", "max", "sum", C, 1),
    ("DUONG_GTNT", "Chiều dài đường giao thông nông thôn được cứng hóa", "Rural roads paved", "km", "number", "sum", "sum", C, 50),
    ("RAC_THU_GOM", "Tỷ lệ chất thải rắn sinh hoạt được thu gom, xử lý", "Household solid waste collected and treated", "%", "percent", "average", "average", C, 100),
    ("VIEC_LAM_MOI", "Số lao động được giải quyết việc làm mới", "Workers placed in new jobs", "người", "integer", "sum", "sum", C, 500),
    ("XKLD", "Số lao động đi làm việc ở nước ngoài theo hợp đồng (đã xuất cảnh)", "Workers gone abroad on contract (departed)", "người", "integer", "sum", "sum", C, 100),
    ("DAO_TAO_NGHE", "Số lao động nông thôn được đào tạo nghề", "Rural workers given vocational training", "người", "integer", "sum", "sum", C, 500),
    ("VAY_VON_GQVL", "Số lượt hộ được vay vốn ưu đãi giải quyết việc làm", "Households given preferential job-creation loans", "lượt hộ", "integer", "sum", "sum", C, 200),
    ("NHA_TINH_NGHIA", "Số căn nhà tình nghĩa được bàn giao", "Gratitude houses handed over", "căn", "integer", "sum", "sum", C, 20),
    ("HO_NGHEO", "Số hộ nghèo cuối kỳ", "Poor households at period end", "hộ", "integer", "last", "sum", C, 2000),
    ("HO_CAN_NGHEO", "Số hộ cận nghèo cuối kỳ", "Near-poor households at period end", "hộ", "integer", "last", "sum", C, 2000),
    ("TONG_SO_HO", "Tổng số hộ dân cư cuối kỳ", "Households at period end", "hộ", "integer", "last", "sum", C, 10000),
    ("QUY_VI_NGUOI_NGHEO", "Số tiền vận động Quỹ Vì người nghèo", "Raised for the Fund for the Poor", "triệu đồng", "number", "sum", "sum", C, 1000),
    ("BHYT", "Tỷ lệ dân số tham gia bảo hiểm y tế", "Population covered by health insurance", "%", "percent", "last", "average", C, 100),
    ("TIEM_CHUNG", "Số trẻ dưới 1 tuổi được tiêm chủng đầy đủ", "Infants fully immunised", "trẻ", "integer", "sum", "sum", C, 200),
    ("TRUONG_CHUAN_QG", "Số trường được công nhận đạt chuẩn quốc gia mới", "Schools newly recognised at national standard", "trường", "integer", "sum", "sum", D, 20),
    ("AN_HINH_SU", "Số vụ án hình sự xảy ra", "Criminal cases reported", "vụ", "integer", "sum", "sum", D, 500),
    ("AN_KHAM_PHA", "Số vụ án hình sự được điều tra, khám phá", "Criminal cases solved", "vụ", "integer", "sum", "sum", D, 500),
]
ELEMENT = {e[0]: e for e in ELEMENTS}
COMMUNE_ELEMENTS = [e[0] for e in ELEMENTS if e[7] == C]
DISTRICT_MONTHLY = ["GTSX_CN", "THU_NSNN", "VON_DTXH", "DN_MOI", "OCOP_3SAO", "TRUONG_CHUAN_QG", "AN_HINH_SU", "AN_KHAM_PHA"]
DISTRICT_YEAR = ["GTSX_CN", "THU_NHAP_BQ", "TCCSD_TONG", "TCCSD_HTT", "DV_TONG", "DV_HTT"]

G_DANG, G_KT, G_NTM, G_LD, G_ASXH, G_VHXH, G_QPAN = (
    "Xây dựng Đảng",
    "Kinh tế",
    "Nông thôn mới",
    "Lao động - việc làm",
    "An sinh xã hội",
    "Văn hóa - xã hội",
    "Quốc phòng - an ninh",
)
# code, name, name_en, group, unit, formula, direction, review, target 834, baseline 834
INDICATORS: list[tuple[str, str, str, str, str, str, str, str, str, str]] = [
    ("CT01", "Kết nạp đảng viên mới", "New party members admitted", G_DANG, "đảng viên", "DANG_VIEN_MOI", "increase", "mid_year", "130", ""),
    ("CT02", "Chi bộ ấp, khu phố đạt trong sạch, vững mạnh toàn diện", "Hamlet party cells clean and strong", G_DANG, "chi bộ", "CHI_BO_TSVM", "increase", "mid_year", "15", ""),
    ("CT03", "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên", "Grassroots party organisations rated good or better", G_DANG, "%", "TCCSD_HTT * 100 / TCCSD_TONG", "increase", "year_end", "90", ""),
    ("CT04", "Tỷ lệ đảng viên hoàn thành tốt nhiệm vụ trở lên", "Party members rated good or better", G_DANG, "%", "DV_HTT * 100 / DV_TONG", "increase", "year_end", "90", ""),
    ("CT05", "Giá trị sản xuất công nghiệp - tiểu thủ công nghiệp", "Industrial and handicraft production value", G_KT, "tỷ đồng", "GTSX_CN", "increase", "mid_year", "3300", ""),
    ("CT06", "Thu ngân sách nhà nước trên địa bàn", "State budget revenue", G_KT, "tỷ đồng", "THU_NSNN", "increase", "mid_year", "185", ""),
    ("CT07", "Huy động vốn đầu tư phát triển toàn xã hội", "Total social investment", G_KT, "tỷ đồng", "VON_DTXH", "increase", "mid_year", "4200", ""),
    ("CT08", "Thu nhập bình quân đầu người", "Income per capita", G_KT, "triệu đồng/người", "THU_NHAP_BQ", "increase", "year_end", "72", ""),
    ("CT09", "Phát triển doanh nghiệp mới", "New enterprises", G_KT, "doanh nghiệp", "DN_MOI", "increase", "mid_year", "60", ""),
    ("CT10", "Thành lập mới hợp tác xã", "New cooperatives", G_KT, "hợp tác xã", "HTX_MOI", "increase", "mid_year", "4", ""),
    ("CT11", "Thành lập mới tổ hợp tác", "New cooperative groups", G_KT, "tổ hợp tác", "THT_MOI", "increase", "mid_year", "20", ""),
    ("CT12", "Sản phẩm OCOP đạt từ 3 sao trở lên", "OCOP products rated 3 stars or more", G_KT, "sản phẩm", "OCOP_3SAO", "increase", "mid_year", "55", ""),
    ("CT13", "Chuyển đổi diện tích cây trồng kém hiệu quả", "Low-yield crop area converted", G_KT, "ha", "DT_CHUYEN_DOI", "increase", "mid_year", "150", ""),
    ("CT14", "Diện tích dừa được chứng nhận hữu cơ", "Coconut area certified organic", G_KT, "ha", "DT_DUA_HUU_CO", "increase", "mid_year", "500", ""),
    ("CT15", "Xã đạt chuẩn nông thôn mới", "Communes meeting the NTM standard", G_NTM, "xã", "NTM_DAT_CHUAN", "increase", "mid_year", "20", ""),
    ("CT16", "Xã đạt chuẩn nông thôn mới nâng cao", "Communes meeting the advanced NTM standard", G_NTM, "xã", "NTM_NANG_CAO", "increase", "mid_year", "5", ""),
    ("CT17", "Xã đạt chuẩn nông thôn mới kiểu mẫu", "Communes meeting the model NTM standard", G_NTM, "xã", "NTM_KIEU_MAU", "increase", "mid_year", "3", ""),
    ("CT18", "Cứng hóa đường giao thông nông thôn", "Rural roads paved", G_NTM, "km", "DUONG_GTNT", "increase", "mid_year", "35", ""),
    ("CT19", "Tỷ lệ chất thải rắn sinh hoạt được thu gom, xử lý", "Household solid waste collected and treated", G_NTM, "%", "RAC_THU_GOM", "increase", "mid_year", "90", ""),
    ("CT20", "Giải quyết việc làm mới", "New jobs", G_LD, "lao động", "VIEC_LAM_MOI", "increase", "mid_year", "2800", ""),
    ("CT21", "Đưa người lao động đi làm việc ở nước ngoài theo hợp đồng", "Workers gone abroad on contract", G_LD, "lao động", "XKLD", "increase", "mid_year", "280", ""),
    ("CT22", "Đào tạo nghề cho lao động nông thôn", "Vocational training for rural workers", G_LD, "lao động", "DAO_TAO_NGHE", "increase", "mid_year", "1500", ""),
    ("CT23", "Cho vay vốn ưu đãi giải quyết việc làm", "Preferential job-creation loans", G_LD, "lượt hộ", "VAY_VON_GQVL", "increase", "mid_year", "900", ""),
    ("CT24", "Xây dựng, bàn giao nhà tình nghĩa", "Gratitude houses handed over", G_ASXH, "căn", "NHA_TINH_NGHIA", "increase", "mid_year", "30", ""),
    ("CT25", "Tỷ lệ hộ nghèo", "Poor-household rate", G_ASXH, "%", "HO_NGHEO * 100 / TONG_SO_HO", "decrease", "mid_year", "2.2", "2.9"),
    ("CT26", "Số hộ cận nghèo", "Near-poor households", G_ASXH, "hộ", "HO_CAN_NGHEO", "decrease", "mid_year", "2000", "2350"),
    ("CT27", "Vận động Quỹ Vì người nghèo", "Fund for the Poor raised", G_ASXH, "triệu đồng", "QUY_VI_NGUOI_NGHEO", "increase", "mid_year", "4000", ""),
    ("CT28", "Tỷ lệ dân số tham gia bảo hiểm y tế", "Health-insurance coverage", G_VHXH, "%", "BHYT", "increase", "mid_year", "94.5", ""),
    ("CT29", "Trẻ dưới 1 tuổi được tiêm chủng đầy đủ", "Infants fully immunised", G_VHXH, "trẻ", "TIEM_CHUNG", "increase", "mid_year", "1650", ""),
    ("CT30", "Trường đạt chuẩn quốc gia (công nhận mới)", "Schools newly meeting the national standard", G_VHXH, "trường", "TRUONG_CHUAN_QG", "increase", "mid_year", "4", ""),
    ("CT31", "Tỷ lệ điều tra, khám phá án hình sự", "Criminal-case clearance rate", G_QPAN, "%", "AN_KHAM_PHA * 100 / AN_HINH_SU", "increase", "mid_year", "85", ""),
]
INDICATOR = {i[0]: i for i in INDICATORS}
# A few commune targets (the district's allocation of CT01 and CT20; illustrative).
COMMUNE_TARGETS: list[tuple[str, str, str]] = [
    ("CT01", "28984", "8"),
    ("CT01", "28987", "7"),
    ("CT01", "29008", "6"),
    ("CT01", "29035", "5"),
    ("CT20", "28984", "190"),
    ("CT20", "28987", "150"),
    ("CT20", "29008", "140"),
    ("CT20", "29035", "110"),
]

# The article's six-month figures and the year-end figures chosen for the example.
# element: (six-month total over communes, year total) -- for commune `sum` elements
COMMUNE_TOTALS: dict[str, tuple[int, int, int, int]] = {
    # element: (S1 units, year units, scale 1 or 10, cap per commune-month in units)
    "DANG_VIEN_MOI": (102, 141, 1, 3),
    "CHI_BO_TSVM": (23, 26, 1, 3),
    "HTX_MOI": (0, 1, 1, 1),
    "THT_MOI": (11, 21, 1, 2),
    "DT_CHUYEN_DOI": (885, 1623, 10, 50),
    "DT_DUA_HUU_CO": (1800, 4200, 10, 150),
    "DUONG_GTNT": (164, 338, 10, 15),
    "VIEC_LAM_MOI": (1807, 2905, 1, 40),
    "XKLD": (198, 296, 1, 6),
    "DAO_TAO_NGHE": (812, 1455, 1, 35),
    "VAY_VON_GQVL": (505, 880, 1, 20),
    "NHA_TINH_NGHIA": (42, 45, 1, 3),
    "QUY_VI_NGUOI_NGHEO": (27605, 41864, 10, 900),
    "TIEM_CHUNG": (842, 1628, 1, 30),
}
# Month weights (seasonality; index 0 = M01): party admissions before 3/2 and 19/5,
# hamlet cells recognised from March, gratitude houses before 27/7, the Fund at Tết.
MONTH_WEIGHTS: dict[str, list[float]] = {
    "DANG_VIEN_MOI": [1.6, 1.0, 0.8, 0.9, 1.5, 0.8, 0.6, 0.7, 0.8, 0.7, 0.6, 0.8],
    "CHI_BO_TSVM": [0, 0, 1, 1, 1, 1.5, 0, 0, 0, 0, 1, 1],
    "HTX_MOI": [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0],
    "NHA_TINH_NGHIA": [0.6, 1, 1, 1, 1, 1.4, 1, 0, 0, 0, 0, 0],
    "QUY_VI_NGUOI_NGHEO": [3, 1.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.8, 1.2, 1.8],
    "DT_DUA_HUU_CO": [0.4, 0.4, 1, 1, 1, 1, 1, 1, 1, 1, 1.2, 1.2],
}
# Commune NTM status: code -> first month the standard is met (1..12); absent = not met.
NTM_DAT_CHUAN = dict.fromkeys(("28987", "28993", "28996", "28999", "29002", "29005", "29008", "29014", "29020", "29026", "29029"), 1)
NTM_DAT_CHUAN |= {"29035": 4, "29017": 11, "29011": 12}  # Tân Thanh newly recognised (article)
NTM_NANG_CAO = {"28996": 1, "29008": 1, "29020": 1, "29014": 12}
NTM_KIEU_MAU = {"28996": 3, "29008": 5}  # Châu Hòa, Châu Bình newly recognised (article)

# District reports, month by month (index 0 = M01), and the review-period reports.
DISTRICT_MONTHS: dict[str, list[str | None]] = {
    # 1700.0 over M01-M06 and 1650.0 over M07-M12; the 2024S1 report says 1752
    "GTSX_CN": ["262.5", "301.8", "268.4", "282.6", "289.3", "295.4", "271.2", "268.9", "265.7", "270.4", "279.6", "294.2"],
    "THU_NSNN": ["21.4", "14.2", "15.8", "16.1", "15.3", "15.8", "15.2", "14.9", "15.6", "14.8", "15.3", "16.8"],
    "VON_DTXH": ["298", "285", "342", "351", "360", "374", "305", "312", "318", "322", "331", "352"],
    "DN_MOI": ["4", "6", "5", "7", "6", "5", "4", "3", "5", "4", "4", "5"],
    "OCOP_3SAO": ["48", "48", "49", "49", "51", "51", "51", "51", "52", "53", "54", "56"],
    "TRUONG_CHUAN_QG": [None] * 6 + ["0", "0", "1", "0", "1", "1"],  # not reported before M07
    "AN_HINH_SU": ["9", "7", "8", "7", "8", "7", "8", "9", "7", "8", "8", "8"],
    "AN_KHAM_PHA": ["7", "6", "7", "6", "6", "6", "7", "8", "7", "7", "7", "7"],
}
DISTRICT_S1 = {"GTSX_CN": "1752"}
DISTRICT_YEAR_VALUES = {
    "GTSX_CN": "3385",
    "THU_NHAP_BQ": "70.5",
    "TCCSD_TONG": "66",
    "TCCSD_HTT": "62",
    "DV_TONG": "5480",
    "DV_HTT": "4812",
}

# Stocks (`last`): end-2023 level, end of June, end of year, over the 21 communes.
POOR = (1520, 1386, 1140)
NEAR_POOR = (2350, 2210, 1985)
HOUSEHOLDS = (52400, 52480, 52610)

# What the article says, checked against the roll-up of the written files.
ARTICLE_S1 = {
    "CT01": (102, 130, "78.46"),
    "CT02": (23, 15, "153.33"),
    "CT05": (1752, 3300, "53.09"),
    "CT20": (1807, 2800, "64.54"),
    "CT21": (198, 280, "70.71"),
    "CT24": (42, 30, "140.00"),
    "CT15": (12, 20, "60.00"),
}
ARTICLE_S1_COUNTS = {
    "exceeded": 2,
    "basically_achieved": 4,
    "on_track": 15,
    "below_half": 7,
    "not_started": 2,
    "year_end": 3,
    "no_target": 0,
}

# fmt: on

# --------------------------------------------------------------------------------------
# Periods and dates
# --------------------------------------------------------------------------------------


def month_code(m: int) -> str:
    return f"{YEAR}M{m:02d}"


def due_days(cut_off: dt.date) -> list[dt.date]:
    """The two working days after the cut-off (weekends skipped; holidays ignored)."""
    days: list[dt.date] = []
    day = cut_off
    while len(days) < 2:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def stamp(day: dt.date, minutes: int) -> str:
    moment = dt.datetime.combine(day, dt.time(7, 30), TZ) + dt.timedelta(minutes=minutes)
    return moment.isoformat()


def random_stamp(rng: random.Random, m: int) -> str:
    return stamp(rng.choice(due_days(dt.date(YEAR, m, 14))), rng.randrange(0, 9 * 60, 5))


# --------------------------------------------------------------------------------------
# Allocation helpers
# --------------------------------------------------------------------------------------


def allocate(rng: random.Random, total: int, weights: dict, cap: int) -> dict:
    """Distribute `total` units over cells at random in proportion to `weights`, at most
    `cap` per cell."""
    got = dict.fromkeys(weights, 0)
    open_cells = [c for c, w in weights.items() if w > 0]
    for _ in range(total):
        if not open_cells:
            raise ValueError("allocation does not fit under the cap")
        cell = rng.choices(open_cells, [weights[c] for c in open_cells])[0]
        got[cell] += 1
        if got[cell] >= cap:
            open_cells.remove(cell)
    return got


def apportion(total: int, weights: dict) -> dict:
    """Largest-remainder split of `total` in proportion to `weights`."""
    whole = sum(weights.values())
    exact = {k: Fraction(total) * Fraction(w) / whole for k, w in weights.items()}
    out = {k: int(v) for k, v in exact.items()}
    rest = total - sum(out.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - out[k]), k))[:rest]:
        out[k] += 1
    return out


def tenths(units: int) -> str:
    return str(Decimal(units).scaleb(-1))


# --------------------------------------------------------------------------------------
# The accepted data: (unit, period) -> {element: value text}
# --------------------------------------------------------------------------------------


def plan_values(rng: random.Random) -> dict[tuple[str, str], dict[str, str]]:
    data: dict[tuple[str, str], dict[str, str]] = {}
    for code in CODES:
        for m in range(1, 13):
            data[(code, month_code(m))] = {}
    size = {c[0]: c[2] for c in COMMUNES}

    # flows: six-month total over M01-M06, the rest over M07-M12
    for element, (s1, year, scale, cap) in COMMUNE_TOTALS.items():
        mw = MONTH_WEIGHTS.get(element, [1.0] * 12)
        for months, total in ((range(1, 7), s1), (range(7, 13), year - s1)):
            weights = {
                (c, m): size[c] * mw[m - 1] * rng.uniform(0.4, 1.6) for c in CODES for m in months
            }
            got = allocate(rng, total, weights, cap)
            for (c, m), units in got.items():
                data[(c, month_code(m))][element] = tenths(units) if scale == 10 else str(units)

    # NTM status (booleans); the town is not a xã and reports 0
    for element, since in (
        ("NTM_DAT_CHUAN", NTM_DAT_CHUAN),
        ("NTM_NANG_CAO", NTM_NANG_CAO),
        ("NTM_KIEU_MAU", NTM_KIEU_MAU),
    ):
        for c in CODES:
            for m in range(1, 13):
                met = c in since and m >= since[c]
                data[(c, month_code(m))][element] = "1" if met else "0"

    # stocks: households, poor and near-poor households at each month's end
    poverty = {c: size[c] * (1.6 if c not in NTM_DAT_CHUAN else 1.0) for c in CODES}
    for element, (base, mid, end), weight in (
        ("TONG_SO_HO", HOUSEHOLDS, size),
        ("HO_NGHEO", POOR, poverty),
        ("HO_CAN_NGHEO", NEAR_POOR, poverty),
    ):
        level = apportion(base, weight)
        if element == "TONG_SO_HO":
            # move a few households around so that the counts do not look rounded
            for _ in range(120):
                a, b = rng.sample(CODES, 2)
                level[a] += 1
                level[b] -= 1
        sign = 1 if element == "TONG_SO_HO" else -1
        for months, change in ((range(1, 7), abs(mid - base)), (range(7, 13), abs(end - mid))):
            mw = [0.6, 1, 1, 1, 1, 1.2] if sign < 0 else [1] * 6
            if sign < 0 and months.start == 7:
                mw = [0.5, 0.5, 0.6, 0.8, 1.5, 3.0]  # the year-end poverty review
            weights = {(c, m): weight[c] * mw[i] for c in CODES for i, m in enumerate(months)}
            got = allocate(rng, change, weights, 10_000)
            for m in months:
                for c in CODES:
                    level[c] += sign * got[(c, m)]
                    data[(c, month_code(m))][element] = str(level[c])

    # percent: health insurance coverage (a level) and waste collection (monthly rate)
    for c in CODES:
        bhyt = rng.randrange(880, 935)
        rac = rng.randrange(800, 925)
        for m in range(1, 13):
            bhyt = min(999, bhyt + rng.choice((0, 1, 2, 3, 4)))
            data[(c, month_code(m))]["BHYT"] = tenths(bhyt)
            monthly = min(1000, rac + rng.randrange(-25, 26) + 3 * m)
            data[(c, month_code(m))]["RAC_THU_GOM"] = tenths(monthly)

    # the district: monthly reports, the six-month report and the year report
    for m in range(1, 13):
        values = {e: v for e, vs in DISTRICT_MONTHS.items() if (v := vs[m - 1]) is not None}
        data[(ROOT, month_code(m))] = values
    data[(ROOT, f"{YEAR}S1")] = dict(DISTRICT_S1)
    data[(ROOT, str(YEAR))] = dict(DISTRICT_YEAR_VALUES)
    return data


# --------------------------------------------------------------------------------------
# Writing files
# --------------------------------------------------------------------------------------


def q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# The review document's header and signature (SPEC §6): the district party committee's
# format (Hướng dẫn 36-HD/VPTW). The signer's name is a placeholder, not a real person.
REPORT = {
    "body_type": "party",
    "issuing_body": "HUYỆN ỦY GIỒNG TRÔM",
    "parent_body": "ĐẢNG BỘ TỈNH BẾN TRE",
    "symbol": "BC/HU",
    "place": "Giồng Trôm",
    "signer_on_behalf": "T/M BAN THƯỜNG VỤ",
    "signer_title": "BÍ THƯ",
    "signer_name": "Nguyễn Văn A",
}
RECIPIENTS = [
    "Ban Thường vụ Tỉnh ủy (báo cáo)",
    "Các đồng chí Huyện ủy viên",
    "Các chi, đảng bộ cơ sở",
    "Lưu Văn phòng Huyện ủy",
]


def report_yaml() -> list[str]:
    lines = ["report:"]
    lines += [f"  {key}: {q(value)}" for key, value in REPORT.items()]
    lines.append("  recipients:")
    lines += [f"    - {q(line)}" for line in RECIPIENTS]
    return lines


def catalog_yaml() -> str:
    out = [
        "# Nghị quyết Huyện ủy Giồng Trôm năm 2024: the bundled example (SPEC.md §1).",
        "# Written by generate.py; edit that file and rerun it rather than this one.",
        "# Indicator list modelled on the article of 17 June 2024 (seed-article-vi.txt);",
        "# where the article is silent the entries are illustrative (see README.md).",
        "resolution:",
        "  code: NQ-HU-GT-2024",
        f"  title: {q('Nghị quyết Huyện ủy Giồng Trôm năm 2024')}",
        f"  org_unit: {q(ROOT)}",
        f"  year: {YEAR}",
        "classification:",
        "  exceeded: 100",
        "  basically_achieved: 90",
        "  on_track: 50",
        *report_yaml(),
        "elements:",
    ]
    for code, name, name_en, unit, vtype, time_agg, org_agg, level, top in ELEMENTS:
        out += [
            f"  - code: {code}",
            f"    name: {q(name)}",
            f"    name_en: {q(name_en)}",
            f"    unit: {q(unit)}",
            f"    value_type: {vtype}",
            f"    time_aggregation: {time_agg}",
            f"    org_aggregation: {org_agg}",
            f"    collected_at: {level}",
            "    min: 0",
            f"    max: {top}",
            *OUTLIER_SETTINGS.get(code, []),
        ]
    out.append("indicators:")
    for code, name, name_en, group, unit, formula, direction, review, _t, _b in INDICATORS:
        out += [
            f"  - code: {code}",
            f"    name: {q(name)}",
            f"    name_en: {q(name_en)}",
            f"    group: {q(group)}",
            f"    unit: {q(unit)}",
            f"    formula: {q(formula)}",
            f"    direction: {direction}",
            f"    review: {review}",
        ]
    out += rules_yaml()
    return "\n".join(out) + "\n"


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def org_units_csv() -> str:
    rows = [
        ["83", "Tỉnh Bến Tre", "province", "", OLD_FROM, OLD_TO, "86"],
        [ROOT, "Huyện Giồng Trôm", "district", "83", OLD_FROM, OLD_TO, ""],
    ]
    rows += [[c, name, "commune", ROOT, OLD_FROM, OLD_TO, succ] for c, name, _h, succ in COMMUNES]
    rows.append(["86", "Tỉnh Vĩnh Long", "province", "", NEW_FROM, "", ""])
    rows += [[c, name, "commune", "86", NEW_FROM, "", ""] for c, name in NEW_COMMUNES]
    return csv_text(
        ["code", "name", "level", "parent_code", "valid_from", "valid_to", "successor_code"], rows
    )


def targets_csv() -> str:
    rows = [[i[0], ROOT, str(YEAR), i[8], i[9]] for i in INDICATORS]
    rows += [[ind, unit, str(YEAR), target, ""] for ind, unit, target in COMMUNE_TARGETS]
    return csv_text(["indicator_code", "org_unit_code", "year", "target", "baseline"], rows)


Emit = Callable[..., Path]
Rel = Callable[[Path], str]

SUBMISSION_HEADER = [
    "org_unit_code",
    "element_code",
    "period",
    "value",
    "note",
    "submitted_at",
    "submitted_by",
]


def submitter(unit: str) -> str:
    if unit == ROOT:
        return "Chi cục Thống kê huyện Giồng Trôm"
    name = NAMES[unit]
    for title in ("Xã ", "Thị trấn "):
        name = name.replace(title, title.lower())
    return f"Văn phòng - Thống kê {name}"


def report_csv(
    unit: str, period: str, values: dict[str, str], notes: dict[str, str], at: str, bom: bool
) -> bytes:
    order = [e[0] for e in ELEMENTS]
    rows = [
        [unit, e, period, values[e], notes.get(e, ""), at, submitter(unit)]
        for e in sorted(values, key=order.index)
    ]
    text = csv_text(SUBMISSION_HEADER, rows)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def json_number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def report_json(
    unit: str, period: str, values: dict[str, str], notes: dict[str, str], at: str
) -> bytes:
    order = [e[0] for e in ELEMENTS]
    head = {
        "org_unit_code": unit,
        "period": period,
        "submitted_at": at,
        "submitted_by": submitter(unit),
    }
    items = [
        {"element_code": e, "value": json_number(values[e]), "note": notes.get(e, "")}
        for e in sorted(values, key=order.index)
    ]
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lines.append('  "values": [')
    lines += [f"    {json.dumps(item, ensure_ascii=False)}," for item in items]
    lines[-1] = lines[-1].rstrip(",")
    lines += ["  ]", "}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def notes_for(rng: random.Random, unit: str, period: str, values: dict[str, str]) -> dict[str, str]:
    notes: dict[str, str] = {}
    if unit == "28984":
        for e in ("NTM_DAT_CHUAN", "NTM_NANG_CAO", "NTM_KIEU_MAU"):
            notes[e] = "Thị trấn không xét chuẩn nông thôn mới"
    if unit == "29035" and period == month_code(4):
        notes["NTM_DAT_CHUAN"] = "UBND tỉnh công nhận đạt chuẩn NTM"
    if unit in ("28996", "29008") and values.get("NTM_KIEU_MAU") == "1":
        m = int(period[-2:])
        if m == NTM_KIEU_MAU[unit]:
            notes["NTM_KIEU_MAU"] = "Được công nhận xã NTM kiểu mẫu"
    if unit == ROOT and period == f"{YEAR}S1":
        notes["GTSX_CN"] = "Ước tính 6 tháng, điều chỉnh theo số liệu của Chi cục Thống kê"
    if unit == ROOT and period == str(YEAR):
        notes["GTSX_CN"] = "Ước thực hiện cả năm"
        notes["THU_NHAP_BQ"] = "Ước tính"
    if unit != ROOT and rng.random() < 0.04:
        notes["QUY_VI_NGUOI_NGHEO"] = "Số liệu do Ủy ban MTTQ xã cung cấp"
    return notes


def write_submissions(
    out: Path, data: dict[tuple[str, str], dict[str, str]], rng: random.Random
) -> tuple[dict[str, str], list[str]]:
    """Write every report, plus the special cases; returns path -> expected intake
    status, and the special files."""
    status: dict[str, str] = {}
    specials: list[str] = []
    sub = out / "submissions"

    def emit(
        unit: str,
        period: str,
        values: dict[str, str],
        at: str,
        name: str,
        notes: dict[str, str] | None = None,
        fmt: str | None = None,
    ) -> Path:
        notes = notes_for(rng, unit, period, values) if notes is None else notes
        fmt = fmt or ("json" if unit in JSON_COMMUNES else "csv")
        path = sub / period / f"{name}.{fmt}"
        if fmt == "json":
            write(path, report_json(unit, period, values, notes, at))
        else:
            write(path, report_csv(unit, period, values, notes, at, unit in BOM_COMMUNES))
        return path

    def rel(path: Path) -> str:
        return path.relative_to(out).as_posix()

    for m in range(1, 13):
        period = month_code(m)
        for unit in [*CODES, ROOT]:
            values = data[(unit, period)]
            at = random_stamp(rng, m)
            special = SPECIAL.get((unit, period))
            if special is None:
                status[rel(emit(unit, period, values, at, f"{unit}_{period}"))] = "accepted"
            else:
                written = special(emit, rel, unit, period, values)
                status |= written
                specials += written

    s1 = f"{YEAR}S1"
    path = emit(ROOT, s1, data[(ROOT, s1)], stamp(dt.date(YEAR, 6, 17), 150), f"{ROOT}_{s1}")
    status[rel(path)] = "accepted"
    specials.append(rel(path))
    y = str(YEAR)
    path = emit(ROOT, y, data[(ROOT, y)], stamp(dt.date(YEAR, 12, 16), 120), f"{ROOT}_{y}")
    status[rel(path)] = "accepted"
    specials.append(rel(path))
    return status, sorted(specials)


def _resubmission(
    emit: Emit, rel: Rel, unit: str, period: str, values: dict[str, str]
) -> dict[str, str]:
    """Lương Phú, March: a report, then a corrected one two days later (the correction counts)."""
    first = dict(values)
    first["DANG_VIEN_MOI"] = str(int(values["DANG_VIEN_MOI"]) + 2)
    first["VIEC_LAM_MOI"] = str(int(values["VIEC_LAM_MOI"]) + 9)
    a = emit(unit, period, first, stamp(dt.date(YEAR, 3, 15), 70), f"{unit}_{period}")
    notes = {
        "DANG_VIEN_MOI": "Điều chỉnh: báo cáo ngày 15/3 ghi nhầm số đảng viên mới",
        "VIEC_LAM_MOI": "Điều chỉnh: trừ 9 lao động đã báo cáo ở tháng 02",
    }
    b = emit(
        unit,
        period,
        values,
        stamp(dt.date(YEAR, 3, 18), 400),
        f"{unit}_{period}_resubmission_corrected",
        notes,
    )
    return {rel(a): "superseded", rel(b): "accepted"}


def _rejected_then_resent(
    emit: Emit, rel: Rel, unit: str, period: str, values: dict[str, str]
) -> dict[str, str]:
    """Bình Hoà, April: the first report has a negative count (rejected); resent correctly."""
    bad = dict(values)
    bad["VIEC_LAM_MOI"] = "-" + values["VIEC_LAM_MOI"]
    a = emit(
        unit,
        period,
        bad,
        stamp(dt.date(YEAR, 4, 15), 155),
        f"{unit}_{period}_rejected_negative_value",
        {},
    )
    notes = {"VIEC_LAM_MOI": "Gửi lại: sửa số âm (nhập nhầm dấu trừ)"}
    b = emit(
        unit, period, values, stamp(dt.date(YEAR, 4, 16), 70), f"{unit}_{period}_resent", notes
    )
    return {rel(a): "rejected", rel(b): "accepted"}


def _rejected_correction(
    emit: Emit, rel: Rel, unit: str, period: str, values: dict[str, str]
) -> dict[str, str]:
    """Tân Hào, May: an accepted report, then a faulty 'correction' (a boolean of 2,
    and a changed count) which is rejected, so the first report still counts."""
    a = emit(unit, period, values, stamp(dt.date(YEAR, 5, 15), 90), f"{unit}_{period}")
    bad = dict(values)
    bad["DANG_VIEN_MOI"] = str(int(values["DANG_VIEN_MOI"]) + 2)
    bad["NTM_DAT_CHUAN"] = "2"
    notes = {"NTM_DAT_CHUAN": "Đạt chuẩn NTM (2 = đạt chuẩn nâng cao?)"}
    b = emit(
        unit,
        period,
        bad,
        stamp(dt.date(YEAR, 5, 16), 420),
        f"{unit}_{period}_correction_rejected",
        notes,
    )
    return {rel(a): "accepted", rel(b): "rejected"}


def _duplicate(
    emit: Emit, rel: Rel, unit: str, period: str, values: dict[str, str]
) -> dict[str, str]:
    """Châu Hòa, February: the same file sent twice (byte-identical copy)."""
    a = emit(unit, period, values, stamp(dt.date(YEAR, 2, 15), 60), f"{unit}_{period}")
    copy = a.with_name(f"{unit}_{period}_duplicate (1){a.suffix}")
    write(copy, a.read_bytes())
    return {rel(a): "accepted", rel(copy): "duplicate"}


SPECIAL = {
    ("29005", month_code(3)): _resubmission,
    ("29017", month_code(4)): _rejected_then_resent,
    ("29029", month_code(5)): _rejected_correction,
    ("28996", month_code(2)): _duplicate,
}

# --------------------------------------------------------------------------------------
# Data quality (SPEC §7): the workers recruited beside those departed, rules across
# elements, outlier settings, a value far from its unit's history, a report sent late.
# --------------------------------------------------------------------------------------

RECRUITED = (
    "XKLD_TRUNG_TUYEN",
    "Số lao động trúng tuyển đi làm việc ở nước ngoài theo hợp đồng",
    "Workers recruited to work abroad on contract",
    "người",
    "integer",
    "sum",
    "sum",
    C,
    100,
)
ELEMENTS.append(RECRUITED)
ELEMENT[RECRUITED[0]] = RECRUITED
# The article: "trúng tuyển 234 lao động, đã bay 198"; the year's 336 is illustrative.
RECRUITED_TOTALS = (234, 336)
RULES: list[tuple[str, str, str, str, str, str, str, str]] = [
    # code, left, operator, right, severity, period kinds ("" = all), message, message_en
    ("R01", "XKLD", "<=", "XKLD_TRUNG_TUYEN", "error", "[half_year, year]",
     "Số lao động đã xuất cảnh trong kỳ không thể lớn hơn số lao động trúng tuyển",
     "Workers departed in the period cannot exceed workers recruited"),
    ("R02", "HO_NGHEO", "<=", "TONG_SO_HO", "error", "",
     "Số hộ nghèo không thể lớn hơn tổng số hộ",
     "Poor households cannot exceed households"),
    ("R03", "HO_NGHEO + HO_CAN_NGHEO", "<=", "TONG_SO_HO", "error", "",
     "Số hộ nghèo và cận nghèo không thể lớn hơn tổng số hộ",
     "Poor and near-poor households cannot exceed households"),
    ("R04", "AN_KHAM_PHA", "<=", "AN_HINH_SU", "warning", "",
     "Số vụ án khám phá thường không vượt số vụ xảy ra trong kỳ (trừ án của kỳ trước)",
     "Cases solved rarely exceed the cases of the period (unless earlier ones were solved)"),
]
OUTLIER_SETTINGS: dict[str, list[str]] = {
    "DUONG_GTNT": ["    outlier: {threshold: 3.5}"],
    # households move by a few a month: three months of history are enough to judge
    "TONG_SO_HO": ["    outlier: {threshold: 3.5, min_history: 3}"],
    # the Fund is raised mostly at Tết: January is the rule, not an outlier
    "QUY_VI_NGUOI_NGHEO": ["    outlier: off"],
}
# Xã Phong Nẫm's households, 3.056 month after month, typed as 3.500 in September (the
# issue's story): accepted, flagged against its history. September is neither the
# six-month review's nor the year's last month, so no published figure moves.
OUTLIER = ("28987", month_code(9), "TONG_SO_HO", "3500")


def rules_yaml() -> list[str]:
    out = ["rules:"]
    for code, left, op, right, severity, kinds, message, message_en in RULES:
        out += [
            f"  - code: {code}",
            f"    left: {q(left)}",
            f"    operator: {q(op)}",
            f"    right: {q(right)}",
            f"    severity: {severity}",
            *([f"    period_kinds: {kinds}"] if kinds else []),
            f"    message: {q(message)}",
            f"    message_en: {q(message_en)}",
        ]
    return out


def plan_quality(data: dict[tuple[str, str], dict[str, str]]) -> None:
    """Recruited workers (those departed and a few more, as the article's 234 ≥ 198),
    drawn from a generator of their own so that every other figure stays as it was; and
    the one value far from its history."""
    rng = random.Random(SEED + 14)
    size = {c[0]: c[2] for c in COMMUNES}
    for months, extra in (
        (range(1, 7), RECRUITED_TOTALS[0] - COMMUNE_TOTALS["XKLD"][0]),
        (range(7, 13), RECRUITED_TOTALS[1] - COMMUNE_TOTALS["XKLD"][1]),
    ):
        weights = {(c, m): size[c] for c in CODES for m in months}
        got = allocate(rng, extra, weights, 5)
        for (c, m), more in got.items():
            values = data[(c, month_code(m))]
            values[RECRUITED[0]] = str(int(values["XKLD"]) + more)
    unit, period, element, value = OUTLIER
    data[(unit, period)][element] = value


def _sent_late(
    emit: Emit, rel: Rel, unit: str, period: str, values: dict[str, str]
) -> dict[str, str]:
    """Tân Thanh, June: the report comes on Thursday 20 June, after the due date (Tuesday
    18 June: two working days after Friday 14 June)."""
    a = emit(unit, period, values, stamp(dt.date(YEAR, 6, 20), 60), f"{unit}_{period}")
    return {rel(a): "accepted"}


SPECIAL[("29035", month_code(6))] = _sent_late


def check_quality(s1: dict) -> None:
    """The district's six months: 198 departed ≤ 234 recruited, as the article says."""
    elements = s1["elements"]
    assert (elements["XKLD"], elements[RECRUITED[0]]) == (198, 234), elements

# --------------------------------------------------------------------------------------
# An independent intake and roll-up (SPEC.md §2 and §3), exact arithmetic
# --------------------------------------------------------------------------------------

PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def read_reports(out: Path) -> list[dict]:
    """Every report in every file under out/submissions, in arrival order (sorted
    paths), with its problems."""
    reports: list[dict] = []
    seen_sha: set[str] = set()
    files = sorted(p for p in (out / "submissions").rglob("*") if p.is_file())
    for index, path in enumerate(files):
        name = path.relative_to(out).as_posix()
        raw = path.read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
        if sha in seen_sha:
            reports.append({"file": name, "status": "duplicate"})
            continue
        seen_sha.add(sha)
        grouped: dict[tuple[str, str], dict] = {}
        if path.suffix == ".json":
            body = json.loads(raw.decode("utf-8-sig"))
            rows = [
                (
                    body["org_unit_code"],
                    v["element_code"],
                    body["period"],
                    repr(v["value"]),
                    body["submitted_at"],
                )
                for v in body["values"]
            ]
        else:
            reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
            rows = [
                (r["org_unit_code"], r["element_code"], r["period"], r["value"], r["submitted_at"])
                for r in reader
            ]
        for unit, element, period, value, at in rows:
            report = grouped.setdefault(
                (unit, period),
                {
                    "file": name,
                    "arrival": index,
                    "unit": unit,
                    "period": period,
                    "values": {},
                    "problems": [],
                },
            )
            report["submitted_at"] = dt.datetime.fromisoformat(at)
            problem = check_value(element, value)
            if problem:
                report["problems"].append(f"{element}={value}: {problem}")
            else:
                report["values"][element] = Fraction(Decimal(value))
        for report in grouped.values():
            report["status"] = "rejected" if report["problems"] else "accepted"
            reports.append(report)
    return reports


def check_value(element: str, value: str) -> str | None:
    if element not in ELEMENT:
        return "unknown element"
    _c, _n, _e, _u, vtype, _t, _o, _l, top = ELEMENT[element]
    if not PLAIN_NUMBER.match(value):
        return "not a plain number"
    number = Decimal(value)
    if vtype in ("integer", "boolean") and number != number.to_integral_value():
        return "not a whole number"
    if vtype == "boolean" and number not in (0, 1):
        return "boolean must be 0 or 1"
    if vtype == "percent" and not 0 <= number <= 100:
        return "percent outside 0..100"
    if number < 0 or number > top:
        return f"outside 0..{top}"
    return None


def accepted_data(
    reports: list[dict],
) -> tuple[dict[tuple[str, str], dict[str, Fraction]], dict[str, str]]:
    """Latest accepted report per (unit, period) by submitted_at then arrival."""
    best: dict[tuple[str, str], dict] = {}
    for report in reports:
        if report["status"] != "accepted":
            continue
        key = (report["unit"], report["period"])
        order = (report["submitted_at"], report["arrival"])
        if key not in best or order > (best[key]["submitted_at"], best[key]["arrival"]):
            best[key] = report
    status = {}
    for report in reports:
        name = report["file"]
        if (
            report["status"] == "accepted"
            and best[(report["unit"], report["period"])] is not report
        ):
            status[name] = "superseded"
        else:
            status[name] = report["status"]
    return {key: r["values"] for key, r in best.items()}, status


def months_of(review: str) -> range:
    return range(1, 7) if review.endswith("S1") else range(1, 13)


def unit_value(data: dict, unit: str, element: str, review: str) -> Fraction | None:
    """Step 1: the value for the review period itself, else the months combined."""
    own = data.get((unit, review), {})
    if element in own:
        return own[element]
    present = [
        data[(unit, month_code(m))][element]
        for m in months_of(review)
        if element in data.get((unit, month_code(m)), {})
    ]
    if not present:
        return None
    how = ELEMENT[element][5]
    if how == "sum":
        return sum(present, Fraction(0))
    if how == "last":
        return present[-1]
    if how == "average":
        return sum(present, Fraction(0)) / len(present)
    return max(present) if how == "max" else min(present)


def rolled_value(data: dict, unit: str, element: str, review: str) -> Fraction | None:
    """Step 2: the unit's own value at its collecting level, else its children's."""
    level = "district" if unit == ROOT else "commune"
    if ELEMENT[element][7] == level:
        return unit_value(data, unit, element, review)
    if unit != ROOT:
        return None  # a district element has no value at a commune
    children = [v for c in CODES if (v := rolled_value(data, c, element, review)) is not None]
    if not children:
        return None
    how = ELEMENT[element][6]
    if how == "sum":
        return sum(children, Fraction(0))
    if how == "average":
        return sum(children, Fraction(0)) / len(children)
    return max(children) if how == "max" else min(children)


def evaluate(formula: str, values: dict[str, Fraction | None]) -> Fraction | None:
    """Step 3: + - * / ( ) over numbers and element codes; missing or x/0 gives None."""
    tokens = re.findall(r"\d+(?:\.\d+)?|[A-Z][A-Z0-9_]*|[-+*/()]", formula)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def expr() -> Fraction | None:
        left = term()
        while peek() in ("+", "-"):
            op, right = take(), term()
            left = (
                None
                if left is None or right is None
                else (left + right if op == "+" else left - right)
            )
        return left

    def term() -> Fraction | None:
        left = factor()
        while peek() in ("*", "/"):
            op, right = take(), factor()
            if left is None or right is None or (op == "/" and right == 0):
                left = None
            else:
                left = left * right if op == "*" else left / right
        return left

    def factor() -> Fraction | None:
        token = take()
        if token == "(":
            inner = expr()
            take()
            return inner
        if token == "-":
            inner = factor()
            return None if inner is None else -inner
        if token[0].isdigit():
            return Fraction(Decimal(token))
        return values[token]

    result = expr()
    assert pos == len(tokens), formula
    return result


def round2(x: Fraction) -> Decimal:
    """Half away from zero, two decimals, exactly."""
    scaled = abs(x) * 100
    whole = int(scaled + Fraction(1, 2))
    # guard: the project computes in floating point; keep clear of the rounding edge
    assert abs((scaled - int(scaled)) - Fraction(1, 2)) > Fraction(1, 10**6), x
    return (Decimal(whole) / 100 * (1 if x >= 0 else -1)).quantize(Decimal("0.01"))


def classify(
    indicator: str, review: str, actual: Fraction | None, target: str, baseline: str
) -> tuple[Decimal | None, str]:
    """Steps 4 and 5."""
    spec = INDICATOR[indicator]
    if spec[7] == "year_end" and review.endswith("S1"):
        percent = (
            None if actual is None or not target else percent_of(spec, actual, target, baseline)
        )
        return percent, "year_end"
    if not target:
        return None, "no_target"
    if actual is None:
        return None, "not_started"
    percent = percent_of(spec, actual, target, baseline)
    if percent >= 100:
        return percent, "exceeded"
    if percent >= 90:
        return percent, "basically_achieved"
    if percent >= 50:
        return percent, "on_track"
    return percent, "below_half" if percent > 0 else "not_started"


def percent_of(spec: tuple, actual: Fraction, target: str, baseline: str) -> Decimal:
    t = Fraction(Decimal(target))
    if spec[6] == "decrease":
        b = Fraction(Decimal(baseline))
        return round2((b - actual) / (b - t) * 100)
    return round2(actual / t * 100)


def number(x: Fraction | Decimal | None) -> int | float | None:
    if x is None:
        return None
    if isinstance(x, Fraction) and x.denominator == 1:
        return int(x)
    return float(x)


def review(data: dict, review_period: str) -> dict:
    targets = {(i, ROOT): (INDICATOR[i][8], INDICATOR[i][9]) for i in INDICATOR}
    targets |= {(i, u): (t, "") for i, u, t in COMMUNE_TARGETS}

    def indicators_at(unit: str, codes: list[str]) -> dict:
        values = {e: rolled_value(data, unit, e, review_period) for e in ELEMENT}
        out = {}
        for code in codes:
            actual = evaluate(INDICATOR[code][5], values)
            target, baseline = targets.get((code, unit), ("", ""))
            percent, klass = classify(code, review_period, actual, target, baseline)
            out[code] = {
                "actual": number(actual),
                "target": number(Fraction(Decimal(target))) if target else None,
                "percent": number(percent),
                "class": klass,
            }
        return out

    root = indicators_at(ROOT, list(INDICATOR))
    counts = dict.fromkeys(ARTICLE_S1_COUNTS, 0)
    for row in root.values():
        counts[row["class"]] += 1
    counts["below_half"] += counts["not_started"]
    elements = {e: number(rolled_value(data, ROOT, e, review_period)) for e in ELEMENT}
    communes = {c: indicators_at(c, ["CT01", "CT15", "CT20", "CT25"]) for c in ("28987", "29035")}
    return {
        "indicators": root,
        "class_counts": counts,
        "elements": elements,
        "communes": communes,
    }


# --------------------------------------------------------------------------------------


def generate(out: Path) -> None:
    rng = random.Random(SEED)
    data = plan_values(rng)
    plan_quality(data)
    write(out / "config" / "catalog.yaml", catalog_yaml().encode("utf-8"))
    write(out / "config" / "org_units.csv", org_units_csv().encode("utf-8"))
    write(out / "config" / "targets.csv", targets_csv().encode("utf-8"))
    planned_status, specials = write_submissions(out, data, rng)

    reports = read_reports(out)
    accepted, status = accepted_data(reports)
    assert status == planned_status, set(status.items()) ^ set(planned_status.items())
    planned = {k: {e: Fraction(Decimal(v)) for e, v in vals.items()} for k, vals in data.items()}
    assert accepted == planned, "the accepted files do not carry the planned values"

    reviews = {p: review(accepted, p) for p in (f"{YEAR}S1", str(YEAR))}
    check_article(reviews[f"{YEAR}S1"])
    check_quality(reviews[f"{YEAR}S1"])
    write(out / "config" / "history.csv", history_csv(accepted, reviews).encode("utf-8"))
    special = {path: status[path] for path in specials}
    expected = {
        "about": (
            "Expected results of the Giồng Trôm 2024 example, computed by generate.py from the "
            "submission files with exact arithmetic, independently of chitieu. percent is rounded "
            "half away from zero to 2 decimals; actual is exact up to float conversion (compare "
            "with a tolerance of 1e-9). below_half includes not_started. 'communes' gives four "
            "indicators at two communes (no_target where the commune has no target)."
        ),
        "resolution": "NQ-HU-GT-2024",
        "root": ROOT,
        "intake": {
            "files": len(status),
            "by_status": {
                s: sum(1 for v in status.values() if v == s)
                for s in ("accepted", "superseded", "rejected", "duplicate")
            },
            "special_files": special,
        },
        "reviews": reviews,
    }
    write(
        out / "expected.json",
        (json.dumps(expected, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
    )


# --------------------------------------------------------------------------------------
# history.csv: the same periods of 2023 (illustrative)
# --------------------------------------------------------------------------------------

HISTORY_SEED = SEED - 1
HISTORY_COMMUNE_INDICATORS = ("CT01", "CT20")  # the ones communes have targets for


def history_csv(accepted: dict, reviews: dict) -> str:
    """Figures of 2023S1 and 2023 as a team would copy them from last year's printed
    reports: the district's every indicator that has a figure this year, and each
    commune's CT01 and CT20 (which add up to the district's). Invented: this year's
    figure times a factor drawn from a generator of its own (0.80 to 1.05; a `decrease`
    indicator's last year higher, 1.03 to 1.20), rates at most 100."""
    rng = random.Random(HISTORY_SEED)
    rows = []
    for review_period, this_year in reviews.items():
        last = review_period.replace(str(YEAR), str(YEAR - 1))
        for code, row in this_year["indicators"].items():
            actual = row["actual"]
            if actual is None:
                continue
            spec = INDICATOR[code]
            low, high = (1.03, 1.20) if spec[6] == "decrease" else (0.80, 1.05)
            figure = Fraction(actual) * Fraction(round(rng.uniform(low, high), 3))
            if spec[4] == "%":
                figure = min(figure, Fraction(100))
            text = str(round(figure)) if isinstance(actual, int) else f"{float(figure):.2f}"
            rows.append([code, ROOT, last, text])
            if code in HISTORY_COMMUNE_INDICATORS:
                element = spec[5]
                weights = {c: rolled_value(accepted, c, element, review_period) or 0 for c in CODES}
                for commune, share in apportion(int(text), weights).items():
                    rows.append([code, commune, last, str(share)])
    return csv_text(["indicator_code", "org_unit_code", "period", "actual"], rows)


def check_article(s1: dict) -> None:
    for code, (actual, target, percent) in ARTICLE_S1.items():
        row = s1["indicators"][code]
        got = (row["actual"], row["target"], f"{row['percent']:.2f}")
        assert got == (actual, target, percent), (code, got)
    assert s1["class_counts"] == ARTICLE_S1_COUNTS, s1["class_counts"]


def out_of_date(
    here: Path, generate: Callable[[Path], None], kept: tuple[str, ...] = ()
) -> list[str]:
    """What ``generate`` writes into a temporary copy of ``here`` (its ``kept`` folders
    copied first) that differs from the files checked in under ``here``, and the checked-in
    submissions it no longer writes: an example's ``--check``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / here.name
        for folder in kept:
            shutil.copytree(here / folder, out / folder)
        generate(out)
        produced = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
        differ = [
            str(p)
            for p in produced
            if not (here / p).exists() or not filecmp.cmp(out / p, here / p, shallow=False)
        ]
        checked_in = sorted(
            p.relative_to(here) for p in (here / "submissions").rglob("*") if p.is_file()
        )
        extra = [f"{p} (not generated)" for p in checked_in if not (out / p).exists()]
    return differ + extra


def command_line(
    about: str,
    here: Path,
    generate: Callable[[Path], None],
    kept: tuple[str, ...] = (),
    not_compared: str = "",
) -> int:
    """An example generator's command: write the example into ``here``, or with
    ``--check`` say whether the checked-in files are what it writes (`out_of_date`)."""
    parser = argparse.ArgumentParser(description=about)
    parser.add_argument(
        "--check", action="store_true", help="regenerate in a temporary folder and compare"
    )
    args = parser.parse_args()
    if not args.check:
        generate(here)
        return 0
    stale = out_of_date(here, generate, kept)
    if stale:
        print("out of date:", *stale, sep="\n  ")
        return 1
    print("up to date" + (f" ({not_compared})" if not_compared else ""))
    return 0


def main() -> int:
    return command_line(__doc__.splitlines()[0], HERE, generate)


if __name__ == "__main__":
    sys.exit(main())
