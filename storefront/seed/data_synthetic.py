"""Word lists for the synthetic bench catalogue: real place names and kinds of OCOP goods,
combined so that search benches meet realistic Vietnamese queries."""

PROVINCE_NAMES = [
    "Quảng Ngãi", "Bình Định", "Lâm Đồng", "Đắk Lắk", "Sơn La", "Hà Giang", "Thanh Hóa",
    "Nghệ An", "Hà Tĩnh", "Thái Nguyên", "Lào Cai", "Bến Tre", "An Giang", "Đồng Tháp",
    "Kon Tum", "Gia Lai", "Phú Yên", "Khánh Hòa", "Hòa Bình", "Yên Bái",
]

DISTRICT_NAMES = [
    "Thăng Bình", "Tiên Phước", "Đại Lộc", "Duy Xuyên", "Núi Thành", "Lý Sơn", "Mộ Đức",
    "Tuy Phước", "An Nhơn", "Bảo Lộc", "Đơn Dương", "Buôn Đôn", "Krông Pắc", "Mộc Châu",
    "Mai Sơn", "Đồng Văn", "Mèo Vạc", "Quan Sơn", "Ngọc Lặc", "Con Cuông", "Quỳ Châu",
    "Hương Sơn", "Đại Từ", "Định Hóa", "Bắc Hà", "Sa Pa", "Chợ Lách", "Mỏ Cày", "Tri Tôn",
    "Tịnh Biên", "Lấp Vò", "Ngọc Hồi", "Kon Plông", "Chư Sê", "Đồng Xuân", "Vạn Ninh",
    "Mai Châu", "Lạc Sơn", "Văn Chấn", "Mù Cang Chải",
]

COMMUNE_NAMES = [
    "Bình An", "Tân Lập", "Hòa Bình", "Phú Thọ", "Thanh Sơn", "An Phú", "Hương Trà", "Đông Hòa",
    "Tam Thanh", "Quế Lộc", "Tiên Cảnh", "Trà Linh", "Sông Kôn", "Cẩm Hà", "Phước Hậu",
    "Minh Hưng", "Đức Phong", "Cải Viên", "Bảo Thuận", "Hồng Phong", "Xuân Quang", "Nghĩa Hưng",
    "Thạch Bình", "Yên Thịnh", "Long Phước", "Mỹ Khánh", "Vĩnh Lộc", "Tân Hòa", "Phong Phú",
    "Sơn Lâm",
]

PRODUCER_PREFIXES = {
    "cooperative": "HTX",
    "enterprise": "Công ty TNHH",
    "cooperative_group": "Tổ hợp tác",
    "household": "Hộ kinh doanh",
}
PRODUCER_KIND_WEIGHTS = {"cooperative": 40, "enterprise": 28, "cooperative_group": 12, "household": 20}
PRODUCER_TRADES = [
    "Nông nghiệp", "Dược liệu", "Chế biến nông sản", "Thủ công mỹ nghệ", "Du lịch cộng đồng",
    "Thực phẩm sạch", "Đặc sản", "Dệt thổ cẩm", "Sinh vật cảnh", "Nông lâm nghiệp",
]

GROUP_WEIGHTS = {"food": 35, "beverage": 18, "herbal": 15, "handicraft": 14, "ornamental": 8, "tourism": 10}

# group -> [(name_vi, name_en, subgroup, units, price low, price high)]
KINDS = {
    "food": [
        ("Nước mắm cá cơm", "Anchovy fish sauce", "nước mắm", ("chai 500 ml", "chai 1 lít", "chai 250 ml"), 60_000, 200_000),
        ("Mắm ruốc", "Shrimp paste", "mắm", ("hũ 500 g", "hũ 250 g"), 40_000, 120_000),
        ("Bánh tráng", "Rice paper", "bánh tráng", ("gói 500 g", "gói 300 g"), 25_000, 70_000),
        ("Mì Quảng", "Mì Quảng noodles", "mì Quảng", ("gói 500 g", "gói 1 kg"), 30_000, 90_000),
        ("Tiêu đen", "Black pepper", "gia vị", ("hũ 200 g", "túi 500 g"), 50_000, 180_000),
        ("Hạt điều rang muối", "Salted roasted cashews", "hạt", ("hũ 500 g", "túi 250 g"), 90_000, 260_000),
        ("Gạo hữu cơ", "Organic rice", "gạo", ("túi 5 kg", "túi 2 kg"), 60_000, 200_000),
        ("Mật ong rừng", "Wild honey", "mật ong", ("chai 500 ml", "chai 1 lít"), 150_000, 450_000),
        ("Cá cơm khô", "Dried anchovies", "hải sản", ("túi 500 g", "túi 250 g"), 80_000, 220_000),
        ("Kẹo gương", "Peanut brittle", "bánh kẹo", ("hộp 300 g",), 30_000, 60_000),
        ("Miến dong", "Arrowroot glass noodles", "miến", ("túi 500 g", "túi 1 kg"), 40_000, 110_000),
        ("Măng khô", "Dried bamboo shoots", "đặc sản", ("túi 500 g",), 80_000, 160_000),
        ("Nấm hương khô", "Dried shiitake", "nấm", ("túi 200 g", "túi 500 g"), 70_000, 250_000),
        ("Chuối sấy dẻo", "Soft dried bananas", "trái cây", ("túi 300 g",), 30_000, 70_000),
        ("Khô bò", "Beef jerky", "đặc sản", ("túi 250 g", "túi 500 g"), 120_000, 300_000),
    ],
    "beverage": [
        ("Rượu ngô men lá", "Leaf-yeast corn liquor", "rượu", ("chai 500 ml", "bình 2 lít"), 90_000, 400_000),
        ("Rượu cần", "Jar rice wine", "rượu", ("ché 3 lít",), 150_000, 350_000),
        ("Trà xanh", "Green tea", "trà", ("hộp 200 g", "hộp 500 g"), 60_000, 250_000),
        ("Trà sâm dây", "Codonopsis tea", "trà", ("hộp 200 g", "hộp 30 túi"), 80_000, 160_000),
        ("Cà phê rang xay", "Ground roasted coffee", "cà phê", ("gói 500 g", "gói 250 g"), 70_000, 220_000),
        ("Vang nho", "Grape wine", "rượu", ("chai 750 ml",), 120_000, 300_000),
        ("Nước ép nha đam", "Aloe vera drink", "nước giải khát", ("chai 350 ml",), 12_000, 30_000),
        ("Sữa hạt điều", "Cashew milk", "sữa hạt", ("chai 300 ml", "chai 1 lít"), 20_000, 70_000),
    ],
    "herbal": [
        ("Sâm Ngọc Linh", "Ngọc Linh ginseng", "sâm", ("củ 50 g", "củ 100 g"), 3_000_000, 15_000_000),
        ("Ba kích tím", "Purple morinda", "dược liệu", ("túi 500 g",), 250_000, 500_000),
        ("Quế thanh", "Cinnamon quills", "quế", ("túi 500 g", "túi 1 kg"), 90_000, 250_000),
        ("Tinh dầu quế", "Cinnamon essential oil", "tinh dầu", ("chai 10 ml", "chai 50 ml"), 60_000, 250_000),
        ("Nấm linh chi", "Reishi mushroom", "nấm dược liệu", ("túi 500 g", "hộp 200 g"), 200_000, 600_000),
        ("Giảo cổ lam", "Jiaogulan", "dược liệu", ("túi 500 g",), 120_000, 250_000),
        ("Cao dược liệu", "Herbal extract", "dược liệu", ("hũ 100 g",), 150_000, 450_000),
        ("Xà phòng thảo dược", "Herbal soap", "mỹ phẩm", ("bánh 100 g",), 30_000, 80_000),
    ],
    "handicraft": [
        ("Bình gốm", "Ceramic vase", "gốm", ("cái",), 150_000, 600_000),
        ("Khăn lụa tơ tằm", "Silk scarf", "lụa", ("cái",), 250_000, 900_000),
        ("Túi thổ cẩm", "Brocade bag", "thổ cẩm", ("cái",), 150_000, 500_000),
        ("Chiếu cói", "Sedge mat", "chiếu", ("chiếc",), 120_000, 300_000),
        ("Giỏ mây tre đan", "Rattan basket", "mây tre", ("cái", "bộ"), 80_000, 400_000),
        ("Bát đĩa mo cau", "Areca-sheath tableware", "mo cau", ("bộ",), 80_000, 200_000),
    ],
    "ornamental": [
        ("Lan rừng", "Wild orchid", "lan rừng", ("chậu", "giò"), 120_000, 600_000),
        ("Bonsai mai chiếu thủy", "Wrightia bonsai", "cây cảnh", ("chậu",), 800_000, 3_000_000),
        ("Mai vàng", "Yellow apricot", "cây cảnh", ("chậu",), 600_000, 2_500_000),
        ("Cây giống bản địa", "Native seedling", "cây giống", ("bầu",), 15_000, 60_000),
    ],
    "tourism": [
        ("Du lịch cộng đồng làng", "Community tourism in the village of", "du lịch cộng đồng", ("lượt khách",), 80_000, 500_000),
        ("Homestay nhà sàn", "Stilt-house homestay in", "du lịch cộng đồng", ("đêm/khách",), 250_000, 700_000),
        ("Tham quan vườn", "Garden visit in", "du lịch nông nghiệp", ("lượt khách",), 50_000, 300_000),
    ],
}

GRADES = ["", "", "", "", "loại 1", "đặc biệt", "truyền thống", "hảo hạng", "hữu cơ"]

# Share of products with an evaluation, and the score bands' weights (5★ … 1★).
EVALUATED_SHARE = 0.9
STAR_BAND_WEIGHTS = {5: 3, 4: 17, 3: 55, 2: 18, 1: 7}
