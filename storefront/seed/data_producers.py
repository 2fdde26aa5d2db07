"""Demo producers ("chủ thể OCOP"): cooperatives, enterprises, cooperative groups, households.

Each row: (name, kind, commune code, women_led, ethnic_minority_led, note).
Mountain districts (Tây Giang, Đông Giang, Nam Giang, Phước Sơn, Trà My) are home to the
Cơ Tu, Xơ Đăng and Ca Dong peoples; the note names the community where it matters.
Products refer to producers by their index in this list, so only ever append.
"""

PRODUCERS = [
    # 0–2: Sâm Ngọc Linh and herbs, Nam Trà My
    ("HTX Nông nghiệp Sâm Ngọc Linh Trà Linh", "cooperative", "20773", False, True, "Xơ Đăng"),
    ("Công ty CP Sâm Ngọc Linh Quảng Nam", "enterprise", "20767", False, False, ""),
    ("HTX Dược liệu Trà Nam", "cooperative", "20779", True, True, "Ca Dong"),
    # 3–4: nước mắm Cửa Khe, Thăng Bình
    ("Cơ sở nước mắm Cửa Khe Bà Lành", "household", "20647", True, False, ""),
    ("HTX Nước mắm truyền thống Cửa Khe", "cooperative", "20647", False, False, ""),
    # 5–7: bánh tráng, mì Quảng
    ("Cơ sở bánh tráng Phú Chiêm", "household", "20404", True, False, ""),
    ("Tổ hợp tác bánh tráng Đại Quang", "cooperative_group", "20350", True, False, ""),
    ("Cơ sở mì Quảng Phú Chiêm", "household", "20404", False, False, ""),
    # 8–9: gốm Thanh Hà, lụa Mã Châu
    ("HTX Gốm Thanh Hà", "cooperative", "20242", False, False, ""),
    ("Công ty TNHH Lụa Mã Châu", "enterprise", "20443", True, False, ""),
    # 10–11: Tiên Phước
    ("Cơ sở mo cau Tiên Lãnh", "household", "20713", False, False, ""),
    ("HTX Nông nghiệp Tiên Cảnh", "cooperative", "20707", True, False, ""),
    # 12: quế Trà My
    ("HTX Quế Trà My", "cooperative", "20728", False, True, "Ca Dong"),
    # 13: kẹo gương Đại Lộc
    ("Cơ sở kẹo gương Đại An", "household", "20380", True, False, ""),
    # 14: rượu Hồng Đào
    ("Công ty CP Rượu Hồng Đào", "enterprise", "20233", False, False, ""),
    # 15–18: Cơ Tu highlands
    ("HTX Nông nghiệp Tà Bhinh", "cooperative", "20542", False, True, "Cơ Tu"),
    ("Tổ hợp tác ba kích Bhalêê", "cooperative_group", "20290", True, True, "Cơ Tu"),
    ("HTX Dệt thổ cẩm Zara", "cooperative", "20311", True, True, "Cơ Tu"),
    ("Tổ hợp tác thổ cẩm Bhờ Hôồng", "cooperative_group", "20305", True, True, "Cơ Tu"),
    # 19–20: ornamental
    ("HTX Lan rừng Phước Sơn", "cooperative", "20567", False, True, "Giẻ Triêng"),
    ("Hộ kinh doanh cây cảnh Tam Thanh", "household", "20218", False, False, ""),
    # 21–22: community tourism
    ("HTX Dịch vụ du lịch cộng đồng Trà Quế", "cooperative", "20263", False, False, ""),
    ("Tổ hợp tác du lịch cộng đồng Bhờ Hôồng", "cooperative_group", "20305", False, True, "Cơ Tu"),
    # 23–24: hạt điều Bình Phước
    ("HTX Nông nghiệp Minh Hưng", "cooperative", "25222", False, False, ""),
    ("Công ty TNHH Hạt điều Đồng Phú", "enterprise", "25138", True, False, ""),
    # 25: rượu ngô Cải Viên, Cao Bằng
    ("HTX Rượu ngô Cải Viên", "cooperative", "01438", False, True, "Nùng"),
    # 26–28: Ninh Thuận
    ("Công ty TNHH Nha đam Ninh Thuận", "enterprise", "22897", False, False, ""),
    ("HTX Nông nghiệp Phước Hậu", "cooperative", "22918", False, True, "Chăm"),
    ("Cơ sở sản xuất nho Ba Mọi", "household", "22738", True, False, ""),
    # 29: quế, mật ong Bắc Trà My
    ("HTX Nông nghiệp Trà Sơn", "cooperative", "20740", True, True, "Ca Dong"),
    # 30: Tam Kỳ food enterprise
    ("Công ty TNHH Đặc sản Xứ Quảng", "enterprise", "20200", True, False, ""),
    # 31: Núi Thành seafood
    ("HTX Nông nghiệp Tam Tiến", "cooperative", "20803", False, False, ""),
    # 32: chiếu cói Bàn Thạch
    ("Tổ hợp tác chiếu cói Bàn Thạch", "cooperative_group", "20467", True, False, ""),
    # 33: Nông Sơn
    ("HTX Nông nghiệp Quế Lộc", "cooperative", "20858", False, False, ""),
    # 34: mật ong rừng Hiệp Đức
    ("Hộ kinh doanh mật ong rừng Sông Trà", "household", "20615", False, False, ""),
    # 35: nấm Quế Sơn
    ("Tổ hợp tác nấm linh chi Quế Châu", "cooperative_group", "20500", True, False, ""),
    # 36: Nam Giang
    ("HTX Nông lâm nghiệp Thạnh Mỹ", "cooperative", "20533", False, True, "Cơ Tu"),
    # 37: dược liệu Phước Sơn
    ("Công ty TNHH Dược liệu Phước Sơn", "enterprise", "20576", False, False, ""),
    # 38: Tiên Phước household
    ("Hộ kinh doanh đặc sản Tiên Kỳ", "household", "20695", True, False, ""),
    # 39: Phú Ninh
    ("HTX Nông nghiệp hữu cơ Tam Đàn", "cooperative", "20845", False, False, ""),
    # 40: cây cảnh Điện Bàn
    ("Tổ hợp tác cây cảnh Điện Quang", "cooperative_group", "20416", False, False, ""),
    # 41: cá cơm Tam Hải
    ("Cơ sở hải sản khô Tam Hải", "household", "20824", True, False, ""),
    # 42: miến dong Thông Nông, Cao Bằng
    ("Tổ hợp tác miến dong Thông Nông", "cooperative_group", "01380", True, True, "Tày"),
    # 43: tiêu Bù Đăng
    ("Hộ kinh doanh tiêu sạch Đức Phong", "household", "25198", False, True, "S'tiêng"),
    # 44: Hiệp Đức / Tân Bình tea
    ("HTX Chè Tân Bình", "cooperative", "20600", False, False, ""),
    # 45: Tây Giang tourism and forest goods
    ("HTX Nông lâm nghiệp A Tiêng", "cooperative", "20287", False, True, "Cơ Tu"),
    # 46: Phú Ninh tourism enterprise
    ("Công ty CP Du lịch Hồ Phú Ninh", "enterprise", "20836", False, False, ""),
    # 47: Duy Xuyên dệt
    ("HTX Dệt may Duy Trinh", "cooperative", "20458", True, False, ""),
]
