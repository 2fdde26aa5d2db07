"""Demo areas: Quảng Nam's 18 district-level units, plus three provinces the plans mention.

Province and district codes follow the official list (Decision 124/2004/QĐ-TTg and updates);
commune codes are five-digit codes in each district's official range, unique here.
The first commune of a district is its centre (town or ward), where its sales point sits.
"""

# (code, name)
PROVINCES = [
    ("49", "Quảng Nam"),
    ("04", "Cao Bằng"),
    ("58", "Ninh Thuận"),
    ("70", "Bình Phước"),
]

# (code, name, province code, latitude, longitude of the district centre)
DISTRICTS = [
    ("502", "Tam Kỳ", "49", 15.5736, 108.4740),
    ("503", "Hội An", "49", 15.8801, 108.3380),
    ("504", "Tây Giang", "49", 15.8660, 107.4870),
    ("505", "Đông Giang", "49", 15.9350, 107.6380),
    ("506", "Đại Lộc", "49", 15.8830, 108.1120),
    ("507", "Điện Bàn", "49", 15.8980, 108.2480),
    ("508", "Duy Xuyên", "49", 15.8420, 108.2470),
    ("509", "Quế Sơn", "49", 15.6930, 108.1930),
    ("510", "Nam Giang", "49", 15.7590, 107.8300),
    ("511", "Phước Sơn", "49", 15.4460, 107.8070),
    ("512", "Hiệp Đức", "49", 15.5810, 108.0970),
    ("513", "Thăng Bình", "49", 15.7430, 108.3590),
    ("514", "Tiên Phước", "49", 15.4870, 108.3040),
    ("515", "Bắc Trà My", "49", 15.3430, 108.2250),
    ("516", "Nam Trà My", "49", 15.1570, 108.1000),
    ("517", "Núi Thành", "49", 15.4270, 108.6560),
    ("518", "Phú Ninh", "49", 15.5280, 108.4160),
    ("519", "Nông Sơn", "49", 15.6930, 108.0280),
    ("043", "Hà Quảng", "04", 22.8930, 106.1090),
    ("582", "Phan Rang–Tháp Chàm", "58", 11.5650, 108.9880),
    ("588", "Ninh Phước", "58", 11.4880, 108.9300),
    ("698", "Bù Đăng", "70", 11.8030, 107.2410),
    ("697", "Đồng Phú", "70", 11.4840, 106.9560),
]

# Quảng Nam district codes, in order (the plans count sales points over these 18).
QUANG_NAM_DISTRICTS = [row[0] for row in DISTRICTS if row[2] == "49"]

# (code, name, district code)
COMMUNES = [
    # Tam Kỳ
    ("20200", "An Mỹ", "502"),
    ("20221", "Tam Thăng", "502"),
    ("20218", "Tam Thanh", "502"),
    # Hội An
    ("20233", "Minh An", "503"),
    ("20242", "Thanh Hà", "503"),
    ("20263", "Cẩm Hà", "503"),
    # Tây Giang
    ("20287", "A Tiêng", "504"),
    ("20290", "Bhalêê", "504"),
    ("20281", "Lăng", "504"),
    # Đông Giang
    ("20299", "Prao", "505"),
    ("20311", "A Ting", "505"),
    ("20305", "Sông Kôn", "505"),
    # Đại Lộc
    ("20332", "Ái Nghĩa", "506"),
    ("20350", "Đại Quang", "506"),
    ("20380", "Đại An", "506"),
    # Điện Bàn
    ("20386", "Vĩnh Điện", "507"),
    ("20404", "Điện Phương", "507"),
    ("20416", "Điện Quang", "507"),
    # Duy Xuyên
    ("20443", "Nam Phước", "508"),
    ("20458", "Duy Trinh", "508"),
    ("20467", "Duy Vinh", "508"),
    # Quế Sơn
    ("20485", "Đông Phú", "509"),
    ("20500", "Quế Châu", "509"),
    # Nam Giang
    ("20533", "Thạnh Mỹ", "510"),
    ("20542", "Tà Bhinh", "510"),
    ("20551", "La Êê", "510"),
    # Phước Sơn
    ("20567", "Khâm Đức", "511"),
    ("20576", "Phước Xuân", "511"),
    # Hiệp Đức
    ("20600", "Tân Bình", "512"),
    ("20615", "Sông Trà", "512"),
    # Thăng Bình
    ("20638", "Hà Lam", "513"),
    ("20647", "Bình Dương", "513"),
    ("20662", "Bình Triều", "513"),
    # Tiên Phước
    ("20695", "Tiên Kỳ", "514"),
    ("20707", "Tiên Cảnh", "514"),
    ("20713", "Tiên Lãnh", "514"),
    # Bắc Trà My
    ("20728", "Trà My", "515"),
    ("20740", "Trà Sơn", "515"),
    ("20746", "Trà Giáp", "515"),
    # Nam Trà My
    ("20767", "Trà Mai", "516"),
    ("20773", "Trà Linh", "516"),
    ("20779", "Trà Nam", "516"),
    # Núi Thành
    ("20794", "Núi Thành", "517"),
    ("20803", "Tam Tiến", "517"),
    ("20824", "Tam Hải", "517"),
    # Phú Ninh
    ("20836", "Phú Thịnh", "518"),
    ("20845", "Tam Đàn", "518"),
    # Nông Sơn
    ("20855", "Quế Trung", "519"),
    ("20858", "Quế Lộc", "519"),
    # Cao Bằng — Hà Quảng
    ("01380", "Thông Nông", "043"),
    ("01438", "Cải Viên", "043"),
    # Ninh Thuận — Phan Rang–Tháp Chàm, Ninh Phước
    ("22738", "Đô Vinh", "582"),
    ("22897", "Phước Dân", "588"),
    ("22918", "Phước Hậu", "588"),
    # Bình Phước — Bù Đăng, Đồng Phú
    ("25198", "Đức Phong", "698"),
    ("25222", "Minh Hưng", "698"),
    ("25138", "Tân Phú", "697"),
    ("25141", "Tân Lập", "697"),
]
