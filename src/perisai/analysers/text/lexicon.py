"""Per-language cue words. They are FEATURES and EVIDENCE for the trained
models, never the decision on their own: a hit raises a feature the stacker
has learned to weigh (``naked mole rat`` hits ``sexual`` yet scores low).

Entries are written plainly and normalised with the same normaliser as the
input at load time (accents stripped, casefolded). A trailing ``*`` means
"word prefix" (``undress*`` matches ``undressing``). Entries in scripts
without spaces (CJK, Thai) match as substrings.
"""

from __future__ import annotations

SEXUAL: dict[str, list[str]] = {
    "en": [
        "nude*", "naked", "nudity", "topless", "bottomless", "sex", "sexy", "sexual*", "porn*",
        "nsfw", "erotic*", "hentai", "genital*", "penis", "vagina", "nipple*", "boob*", "tits",
        "titties", "orgasm*", "masturbat*", "blowjob", "cum", "cumshot", "horny", "lewd",
        "explicit", "xxx", "onlyfans", "fetish*", "stripper*", "striptease", "seductive*",
        "sensual*", "intercourse", "pussy", "dick", "cock", "aroused", "ahegao", "r34",
        "rule34", "spread legs", "spreading legs", "no clothes", "without clothes",
        "wearing nothing", "birthday suit", "in the buff", "au naturel", "playboy", "milf",
        "thicc", "butt naked", "nsfl", "smut", "hardcore", "softcore", "lust*", "kinky",
        "nip slip", "areola*", "clitoris", "labia", "erection", "ejaculat*", "anal", "oral sex",
        "camel toe", "upskirt", "downblouse", "ecchi", "yiff", "futa*", "breasts", "busty",
        "big butt", "booty",
    ],
    "ms": [
        "bogel", "telanjang", "lucah", "seks", "berahi", "ghairah", "tetek", "buah dada",
        "puting", "kemaluan", "konek", "pantat", "seksi", "miang", "tak berbaju",
        "tanpa baju", "tanpa pakaian",
    ],
    "id": [
        "bugil", "telanjang", "porno", "mesum", "bokep", "ngentot", "sange", "toket", "payudara",
        "memek", "kontol", "bokong", "seksi", "vulgar", "tanpa busana", "tidak berbusana",
        "tanpa baju", "syur", "hot banget",
    ],
    "zh": [
        "裸", "裸体", "全裸", "色情", "黄图", "性感", "做爱", "性交", "乳房", "奶子", "胸部", "乳头",
        "下体", "生殖器", "阴部", "成人", "淫", "露点", "一丝不挂", "涩图", "涩涩", "色色", "脱光",
    ],
    "ja": [
        "裸", "全裸", "ヌード", "エロ", "セックス", "おっぱい", "乳首", "性器", "下着姿", "えっち",
        "エッチ", "成人向け", "r18", "r-18", "アダルト",
    ],
    "ko": ["누드", "알몸", "나체", "야한", "섹스", "성인", "가슴", "젖꼭지", "음란", "야동", "벗은"],
    "ta": ["நிர்வாண", "ஆபாச", "செக்ஸ்", "கவர்ச்சி", "மார்பு", "உடலுறவு"],
    "hi": [
        "नंगा", "नंगी", "नग्न", "सेक्स", "अश्लील", "सेक्सी", "स्तन", "चुदाई", "nangi", "nanga",
        "sexy", "chudai", "boobs",
    ],
    "es": [
        "desnud*", "porno*", "sexo", "sexual", "erotic*", "senos", "tetas", "pezon*", "genital*",
        "sin ropa", "en pelotas", "caliente", "lenceria erotica",
    ],
    "fr": ["nu", "nue", "nues", "nus", "porno*", "sexe", "erotique*", "seins", "teton*", "sans vetements", "a poil"],
    "de": ["nackt*", "porno*", "sex", "erotisch*", "brueste", "bruste", "titten", "nippel", "ohne kleidung", "freizugig*"],
    "pt": ["nua", "nuas", "nu", "pelada*", "pelado*", "porno*", "sexo", "erotic*", "seios", "peitos", "mamilo*", "sem roupa*"],
    "ar": ["عاري", "عارية", "عاريه", "إباحي", "اباحي", "جنس", "جنسي", "مثير", "صدر", "ثدي", "بدون ملابس"],
    "vi": ["khoa than", "loa the", "sex", "khieu dam", "goi cam", "nguc", "tran truong", "khong mac do", "dam duc"],
    "tl": ["hubad", "hubo", "bastos", "kantot", "malaswa", "suso", "dede", "walang damit", "libog"],
    "th": ["เปลือย", "โป๊", "เซ็กส์", "ลามก", "หน้าอก", "นม", "เซ็กซี่", "ไม่ใส่เสื้อผ้า"],
    "ru": ["голая", "голый", "обнажен*", "порно*", "секс*", "эротик*", "грудь", "соски", "без одежды"],
    "tr": ["ciplak", "porno", "seks*", "erotik", "gogus*", "meme", "mastur*", "kiyafetsiz"],
}  # fmt: skip

UNDRESS: dict[str, list[str]] = {
    "en": [
        "undress*", "unclothe*", "disrobe*", "nudify*", "nudifier", "deepnude", "declothe*",
        "remove her clothes", "remove his clothes", "remove their clothes", "remove clothes",
        "remove the clothes", "remove clothing", "take off her", "take off his", "take her clothes",
        "take his clothes", "takes off", "strip her", "strip him", "strip them", "stripped",
        "bikini*", "lingerie", "underwear", "panties", "bra", "thong", "swimsuit", "swimwear",
        "see-through", "see through", "seethrough", "transparent", "sheer", "x-ray", "xray",
        "wet t-shirt", "wet shirt", "less clothing", "less clothes", "fewer clothes",
        "shorter skirt", "low-cut", "cleavage", "crop top", "micro bikini", "g-string",
        "without her", "without his", "no bra", "no shirt", "no top", "shirtless", "naked",
        "make her hot", "make her sexy", "more revealing", "revealing", "skimpy", "leotard",
        "bodysuit", "nightie", "negligee", "corset", "stockings", "fishnet*", "bathing suit",
        "clothes off", "clothing off", "dress off", "top off", "pants off", "spread her",
        "bend over", "bending over", "on all fours", "remove the dress", "remove her top",
    ],
    "ms": [
        "buka baju", "bukak baju", "tanggal baju", "tanggalkan", "tanggalkan pakaian", "lucutkan",
        "buang baju", "bikini", "baju renang", "pakaian dalam", "seluar dalam", "coli", "baju tidur",
        "jarang", "lut sinar", "nipis", "tak pakai baju", "tanpa baju", "bogelkan", "seksikan",
    ],
    "id": [
        "buka baju", "lepas baju", "lepaskan baju", "copot baju", "lepas pakaian", "telanjangi",
        "bikini", "baju renang", "pakaian dalam", "celana dalam", "bh", "beha", "lingerie",
        "tembus pandang", "transparan", "tanpa busana", "bugilin", "seksiin", "kutang",
    ],
    "zh": [
        "脱", "脱掉", "脱下", "脱光", "脱衣", "去掉衣服", "去掉她的衣服", "比基尼", "内衣", "内裤",
        "泳衣", "泳装", "透明", "透视", "丝袜", "情趣", "胸罩", "半透明", "换成比基尼", "一键脱衣",
    ],
    "ja": [
        "脱が", "脱い", "脱衣", "服を脱", "ビキニ", "下着", "水着", "透け", "シースルー", "ランジェリー",
        "パンツ", "ブラ",
    ],
    "ko": ["옷을 벗", "옷 벗", "벗겨", "비키니", "속옷", "수영복", "란제리", "투명", "시스루", "탈의"],
    "ta": ["ஆடையை அகற்று", "ஆடை கழற்று", "உடையை கழற்று", "பிகினி", "உள்ளாடை", "நீச்சல் உடை"],
    "hi": [
        "कपड़े उतार", "कपडे उतार", "कपड़े हटा", "बिकिनी", "अंडरवियर", "ब्रा", "पारदर्शी",
        "kapde utar", "kapde utaro", "kapde hatao", "bikini",
    ],
    "es": [
        "desnuda*", "desviste*", "desvistela", "quitale la ropa", "quita la ropa", "quitar la ropa",
        "sin ropa", "bikini", "lenceria", "ropa interior", "traje de bano", "banador", "transparente",
        "tanga", "sosten", "sujetador",
    ],
    "fr": [
        "deshabill*", "enleve ses vetements", "enlever ses vetements", "retire ses vetements",
        "bikini", "lingerie", "sous-vetements", "maillot de bain", "transparent*", "string",
        "soutien-gorge",
    ],
    "de": [
        "auszieh*", "zieh sie aus", "zieh ihn aus", "entkleide*", "bikini", "unterwasche",
        "dessous", "badeanzug", "durchsichtig*", "reizwasche", "bh", "tanga",
    ],
    "pt": [
        "tira a roupa", "tire a roupa", "tirar a roupa", "despir", "despe", "bikini", "biquini",
        "lingerie", "roupa intima", "calcinha", "sutia", "maio", "transparente", "fio dental",
    ],
    "ar": ["اخلع", "انزع ملابس", "انزع ملابسها", "خلع ملابس", "بيكيني", "ملابس داخلية", "لانجري", "شفاف", "ملابس السباحة"],
    "vi": ["coi do", "coi quan ao", "bo quan ao", "lot do", "bikini", "do lot", "noi y", "do boi", "xuyen thau", "trong suot"],
    "tl": ["hubarin", "hubaran", "tanggalin ang damit", "bikini", "panty", "bra", "swimsuit", "manipis", "kita ang"],
    "th": ["ถอดเสื้อ", "ถอดเสื้อผ้า", "ถอดชุด", "บิกินี่", "ชุดชั้นใน", "ชุดว่ายน้ำ", "ซีทรู", "โปร่งใส"],
    "ru": ["раздень*", "раздеть", "сними одежду", "снять одежду", "бикини", "нижнее белье", "белье", "купальник", "прозрачн*"],
    "tr": ["soy", "soyun*", "kiyafetlerini cikar", "bikini", "ic camasir*", "mayo", "transparan", "seffaf"],
}  # fmt: skip

SEXUAL_VIOLENCE: dict[str, list[str]] = {
    "en": [
        "tied up", "tied to", "bound", "bondage", "bdsm", "gagged", "gag", "ball gag", "chained",
        "handcuff*", "restrained", "restraint*", "shackle*", "rope*", "whip*", "chok*", "rape*",
        "forced", "forcing", "humiliat*", "bruis*", "blood*", "abuse*", "non-consensual",
        "nonconsensual", "drugged", "unconscious", "passed out", "sleeping", "crying", "beaten",
        "slave", "degrad*", "molest*", "assault*", "against her will", "struggling", "captive",
        "kidnap*", "spank*", "collar", "leash",
    ],
    "ms": ["diikat", "ikat", "rogol", "dipaksa", "paksa", "dipukul", "diperkosa", "lebam", "dera", "tak sedar"],
    "id": ["diikat", "ikat", "perkosa", "diperkosa", "dipaksa", "paksa", "dipukul", "memar", "pingsan", "disiksa"],
    "zh": ["捆绑", "绑", "强奸", "强迫", "虐待", "羞辱", "鞭打", "手铐", "昏迷", "性奴", "调教"],
    "ja": ["緊縛", "拘束", "縛", "レイプ", "強姦", "陵辱", "凌辱", "調教", "手錠", "無理やり"],
    "ko": ["묶", "강간", "강제", "학대", "수갑", "구속", "능욕"],
    "ta": ["கட்டி", "பலாத்கார", "கற்பழி", "கட்டாயப்படுத்"],
    "hi": ["बांध", "बलात्कार", "जबरदस्ती", "rape", "zabardasti"],
    "es": ["atada", "atado", "amarrad*", "violad*", "violacion", "forzad*", "humillad*", "esposad*"],
    "fr": ["attachee", "attache", "ligote*", "viol", "violee", "forcee", "humilie*", "menottes"],
    "de": ["gefesselt", "fessel*", "vergewaltig*", "gezwungen", "gedemutigt", "handschellen"],
    "pt": ["amarrad*", "estupr*", "forcad*", "humilhad*", "algemad*"],
    "ar": ["مقيدة", "مقيد", "اغتصاب", "مغتصبة", "بالقوة", "إذلال"],
    "vi": ["troi", "bi troi", "hiep dam", "cuong buc", "ep buoc", "lam nhuc"],
    "tl": ["nakatali", "tinali", "ginahasa", "gahasa", "pinilit"],
    "th": ["มัด", "ข่มขืน", "บังคับ", "ทรมาน"],
    "ru": ["связан*", "изнасил*", "принужд*", "унижен*", "наручник*"],
    "tr": ["bagli", "baglanmis", "tecavuz*", "zorla", "asagila*", "kelepce*"],
}  # fmt: skip

MINOR: dict[str, list[str]] = {
    "en": [
        "child*", "kid", "kids", "little girl", "little boy", "toddler*", "baby", "babies", "infant*",
        "preteen*", "pre-teen*", "tween*", "young teen*", "underage", "under age", "minor", "minors",
        "loli*", "shota*", "schoolgirl*", "schoolboy*", "school girl", "school boy",
        "elementary school*", "primary school*", "middle school*", "junior high", "grade school*",
        "kindergarten*", "jailbait", "cub", "teenage", "teen", "teens", "young girl", "young boy",
        "daughter", "son", "niece", "nephew", "stepdaughter", "pupil", "student in year", "year 7",
        "year 8", "year 9", "6th grade*", "7th grade*", "8th grade*", "9th grade*", "fifth grade*",
        "sixth grade*", "seventh grade*", "eighth grade*", "barely legal", "girl scout*", "jk",
        "flat chest*", "petite girl", "little sister",
    ],
    "ms": [
        "budak", "kanak-kanak", "kanak kanak", "anak kecil", "budak sekolah", "pelajar sekolah",
        "murid", "sekolah rendah", "sekolah menengah", "bawah umur", "adik", "remaja", "darjah",
        "tingkatan",
    ],
    "id": [
        "anak", "anak kecil", "anak-anak", "bocil", "bocah", "anak sd", "anak smp", "anak sma",
        "siswi", "murid", "di bawah umur", "abg", "dedek", "adik", "remaja", "sekolah dasar",
        "gadis kecil",
    ],
    "zh": [
        "小学生", "中学生", "初中生", "高中生", "幼女", "萝莉", "儿童", "小孩", "孩子", "未成年", "少女",
        "女童", "男童", "小女孩", "小男孩", "学生妹", "女学生", "婴儿", "幼儿", "正太", "初中", "小学",
    ],
    "ja": [
        "小学生", "中学生", "女子高生", "jc", "js", "ロリ", "幼女", "児童", "子供", "子ども", "未成年",
        "少女", "少年", "女の子", "赤ちゃん", "園児", "ショタ",
    ],
    "ko": ["초등학생", "중학생", "고등학생", "여중생", "여고생", "어린이", "아이", "아동", "미성년", "소녀", "로리", "아기", "여학생"],
    "ta": ["குழந்தை", "சிறுமி", "சிறுவன்", "மாணவி", "மாணவன்", "பள்ளி", "சிறுவர்"],
    "hi": ["बच्चा", "बच्ची", "बच्चे", "नाबालिग", "लोली", "लोलीकॉन", "लड़की स्कूल", "स्कूली", "छात्रा", "bachi", "bachcha", "school wali"],
    "es": ["nina*", "nino*", "menor de edad", "menores", "colegiala*", "adolescente*", "infantil", "bebe", "chiquilla", "escolar"],
    "fr": ["enfant*", "fillette*", "petite fille", "petit garcon", "ecoliere*", "ecolier*", "mineur*", "ado", "adolescent*", "bebe", "collegienne*", "gamine"],
    "de": ["kind", "kinder", "madchen", "kleines madchen", "schulerin*", "schuler", "minderjahrig*", "teenager", "baby", "grundschul*"],
    "pt": ["crianca*", "menina*", "menino*", "menor de idade", "novinha*", "colegial", "adolescente*", "bebe", "estudante do ensino"],
    "ar": ["طفل", "طفلة", "أطفال", "قاصر", "قاصرة", "تلميذة", "فتاة صغيرة", "مراهقة", "رضيع", "لولي", "لوليكون"],
    "vi": ["tre em", "be gai", "be trai", "hoc sinh", "tre con", "vi thanh nien", "em be", "nu sinh", "con nit"],
    "tl": ["bata", "batang babae", "batang lalaki", "menor de edad", "menor", "estudyante", "dalagita", "sanggol"],
    "th": ["เด็ก", "เด็กหญิง", "นักเรียน", "ผู้เยาว์", "ทารก", "เด็กนักเรียน", "โลลิ"],
    "ru": ["ребенок", "ребенка", "дети", "девочка", "девочку", "мальчик", "школьниц*", "школьник*", "несовершеннолет*", "малолет*", "подросток", "лоли", "лоликон*", "шота"],
    "tr": ["cocuk*", "kiz cocugu", "ogrenci", "resit olmayan", "bebek", "ilkokul*", "ortaokul*", "kucuk kiz"],
}  # fmt: skip

#: Minor-lexicon terms that only ever name a sexualised child: an exact rule, so the
#: minor signal gets a floor from them (plain "child" or "anak" does not).
SEXUALISED_MINOR_TERMS: tuple[str, ...] = (
    "loli", "lolicon", "shota", "jailbait", "萝莉", "正太", "ロリ", "ショタ", "로리", "лоли",
    "лоликон", "шота", "โลลิ", "लोली", "لولي", "لوليكون",
)  # fmt: skip

# People who can be identified by their relation to the writer.
RELATION: dict[str, list[str]] = {
    "en": [
        "my ex", "my ex-girlfriend", "my ex-boyfriend", "my ex-wife", "my girlfriend", "my boyfriend",
        "my wife", "my husband", "my sister", "my brother", "my mom", "my mother", "my cousin",
        "my aunt", "my coworker", "my co-worker", "my colleague", "my boss", "my neighbour",
        "my neighbor", "my classmate", "my teacher", "my friend", "my crush", "my roommate",
        "my student", "my stepsister", "my stepmom", "my tutor", "from my class", "from my school",
        "from work", "from my office", "from my gym", "next door", "my daughter", "my son",
        "my niece", "my best friend", "her friend",
    ],
    "ms": ["bekas kekasih", "bekas awek", "awek aku", "makwe aku", "kawan aku", "kawan saya", "rakan sekerja", "jiran", "cikgu", "kakak aku", "adik aku", "bini aku", "isteri saya", "classmate aku", "bos aku"],
    "id": ["mantan", "pacar", "pacarku", "teman", "temanku", "tetangga", "rekan kerja", "guru", "kakakku", "adikku", "istriku", "teman sekelas", "bos", "gebetan"],
    "zh": ["前女友", "前男友", "女朋友", "男朋友", "同事", "同学", "邻居", "老师", "我妹", "我姐", "老婆", "我朋友", "室友", "上司"],
    "ja": ["元カノ", "元彼", "彼女", "同僚", "同級生", "クラスメイト", "隣人", "先生", "妹", "姉", "友達", "上司"],
    "ko": ["전 여친", "전여친", "여자친구", "여친", "동료", "동창", "반 친구", "이웃", "선생님", "여동생", "누나", "친구"],
    "ta": ["என் முன்னாள்", "தோழி", "சக ஊழியர்", "வகுப்பு தோழி", "பக்கத்து வீட்டு", "ஆசிரியை"],
    "hi": ["मेरी एक्स", "गर्लफ्रेंड", "सहकर्मी", "पड़ोसन", "पड़ोसी", "टीचर", "दोस्त", "मेरी बहन", "meri ex", "meri girlfriend", "padosan", "bhabhi", "class wali"],
    "es": ["mi ex", "mi novia", "mi novio", "mi esposa", "mi hermana", "mi companera", "mi compañera", "mi vecina", "mi profesora", "mi jefa", "mi amiga", "mi prima"],
    "fr": ["mon ex", "ma copine", "ma femme", "ma soeur", "ma collegue", "ma voisine", "ma prof", "mon amie", "ma cousine", "ma patronne"],
    "de": ["meine ex", "meine freundin", "meine frau", "meine schwester", "meine kollegin", "meine nachbarin", "meine lehrerin", "meine mitschulerin", "meine cousine"],
    "pt": ["minha ex", "minha namorada", "minha esposa", "minha irma", "minha colega", "minha vizinha", "minha professora", "minha amiga", "minha prima"],
    "ar": ["حبيبتي السابقة", "زميلتي", "جارتي", "أختي", "صديقتي", "معلمتي", "زوجتي"],
    "vi": ["nguoi yeu cu", "ban gai", "dong nghiep", "ban hoc", "hang xom", "co giao", "em gai", "ban than"],
    "tl": ["ex ko", "girlfriend ko", "katrabaho", "kaklase", "kapitbahay", "guro", "kapatid ko", "kaibigan ko"],
    "th": ["แฟนเก่า", "แฟน", "เพื่อนร่วมงาน", "เพื่อนร่วมห้อง", "เพื่อนบ้าน", "ครู", "น้องสาว"],
    "ru": ["моя бывшая", "моя девушка", "моя жена", "моя сестра", "коллега", "одноклассниц*", "соседк*", "учительниц*"],
    "tr": ["eski sevgilim", "sevgilim", "karim", "kiz kardesim", "is arkadasim", "sinif arkadasim", "komsum", "ogretmenim"],
}  # fmt: skip

# In an edit, these point at the person in the uploaded photo.
DEIXIS: dict[str, list[str]] = {
    "en": [
        "her", "him", "she", "he", "them", "they", "this girl", "this guy", "this woman", "this man",
        "this lady", "this person", "this boy", "that girl", "that guy", "the girl", "the woman",
        "the man", "the guy", "the lady", "the person", "in the photo", "in this photo",
        "in the picture", "in this pic", "in the pic", "in the image", "hers", "his",
    ],
    "ms": ["dia", "perempuan ni", "perempuan ini", "gadis ini", "gadis ni", "awek ni", "lelaki ni", "orang ni", "orang ini", "dalam gambar"],
    "id": ["dia", "cewek ini", "cewek ni", "cowok ini", "wanita ini", "perempuan ini", "orang ini", "di foto", "dalam foto"],
    "zh": ["她", "他", "这个女孩", "这个女人", "这个人", "这女的", "图中", "照片里", "照片中"],
    "ja": ["彼女", "彼", "この女の子", "この女性", "この人", "この子", "写真の"],
    "ko": ["그녀", "그를", "이 여자", "이 사람", "이 남자", "사진 속"],
    "ta": ["அவள்", "அவளை", "அவன்", "இந்த பெண்", "இவளை", "இவள்"],
    "hi": ["उसे", "इसे", "उसकी", "इसकी", "इस लड़की", "इस औरत", "isko", "usko", "iski", "uski", "is ladki"],
    "es": ["ella", "el", "la", "esta chica", "esta mujer", "este chico", "en la foto", "quitale", "ponle"],
    "fr": ["elle", "lui", "la", "cette fille", "cette femme", "ce mec", "sur la photo", "enleve-lui", "mets-lui"],
    "de": ["sie", "ihn", "ihr", "dieses madchen", "diese frau", "dieser mann", "auf dem foto", "zieh ihr"],
    "pt": ["ela", "ele", "essa menina", "essa mulher", "esse cara", "na foto", "coloca ela", "tira dela"],
    "ar": ["هي", "هو", "هذه الفتاة", "هذه المرأة", "هذا الرجل", "في الصورة", "ملابسها"],
    "vi": ["co ay", "anh ay", "co gai nay", "nguoi nay", "trong anh", "cho co ay", "em nay"],
    "tl": ["siya", "niya", "kanya", "babaeng ito", "lalaking ito", "sa litrato"],
    "th": ["เธอ", "เขา", "ผู้หญิงคนนี้", "คนนี้", "ในรูป"],
    "ru": ["ее", "её", "его", "она", "эту девушку", "этого парня", "на фото"],
    "tr": ["onu", "onun", "bu kiz", "bu kadin", "bu adam", "fotograftaki"],
}  # fmt: skip

# Handles of assistants people address ("@grok put her in a bikini"): not the target.
ASSISTANT_HANDLES = frozenset(
    {"grok", "gemini", "chatgpt", "openai", "midjourney", "dalle", "meta", "metaai", "ai",
     "copilot", "claude", "perplexity", "stablediffusion", "leonardo", "bard"}
)  # fmt: skip

# Age words after a number, per language: "14 yo", "12 tahun", "15歳".
AGE_UNITS = [
    "yo", "y/o", "y.o", "yr", "yrs", "year", "years", "year-old", "years-old", "yr-old", "yrs old",
    "tahun", "thn", "anos", "ano", "años", "año", "ans", "an", "jahre", "jahr", "jahrige",
    "साल", "वर्ष", "saal", "sal", "歳", "才", "岁", "살", "tuoi", "taon", "ปี", "лет", "год", "года",
    "yas", "yasinda", "வயது", "வயசு", "سنة", "عام", "sene", "anyos", "anyo", "taong gulang",
]  # fmt: skip

AGE_PREFIXES = [
    "age", "aged", "umur", "usia", "edad", "edad de", "age de", "alter", "idade", "उम्र", "umra",
    "年龄", "年齢", "나이", "tuoi", "edad:", "возраст", "yasinda", "வயது", "عمرها", "عمره", "بعمر",
]  # fmt: skip

# A number of years that is a difference, not an age: "10 years older", "20 years
# ago", "年轻10岁". "Younger" keeps the number as a minor-age cue for the model but
# not as an exact rule (an age-regression request can still be about a minor);
# "older", "ago" and "later" after the number drop it. German "älter" is left out:
# without its accent it is "alter", as in "ein 12 Jahre alter Junge", an age.
AGE_SHIFT_YOUNGER_AFTER = [
    "younger", "lebih muda", "más joven", "mas joven", "menos", "plus jeune", "de moins",
    "jünger", "junger", "mais jovem", "mais novo", "моложе", "младше", "daha genç", "daha genc",
    "若く", "若い", "어리게", "젊게", "어려", "छोटा", "छोटी", "जवान", "chhota", "chhoti", "jawan",
    "mas bata", "trẻ hơn", "tre hon", "เด็กลง", "أصغر", "اصغر",
]  # fmt: skip
# Words just before the number that make it a difference either way ("年轻10岁",
# "older by 10 years"): the number stays a cue, never an exact rule.
AGE_SHIFT_BEFORE = [
    "younger by", "older by", "年轻", "年輕", "老了", "trẻ hơn", "tre hon", "già hơn", "gia hon",
    "อ่อนกว่า", "แก่กว่า", "أصغر ب", "اصغر ب", "أكبر ب", "اكبر ب", "через", "después de",
    "despues de", "depois de", "selepas", "setelah",
]  # fmt: skip
AGE_SHIFT_OTHER_AFTER = [
    "older", "ago", "later", "earlier", "from now", "lebih tua", "lalu", "kemudian",
    "más viejo", "mas viejo", "mayor", "atrás", "atras", "después", "despues", "plus vieux",
    "plus âgé", "plus age", "de plus", "plus tard", "später", "spater",
    "mais velho", "depois", "старше", "назад", "спустя", "daha yaşlı", "daha yasli", "önce",
    "once", "sonra", "老け", "늙게", "बड़ा", "बड़ी", "बूढ़ा", "बूढ़ी",
    "पहले", "बाद", "bada", "badi", "budha", "budhi", "pehle", "baad", "mas matanda",
    "ang nakalipas", "nakalipas", "già hơn", "gia hon", "trước", "truoc", "แก่ลง",
    "ก่อน", "أكبر", "اكبر", "مضت",
]  # fmt: skip

# Outerwear, accessories and photo-editing words: "take off his jacket", "remove the
# background", "make her sleeves long" are ordinary edits. A feature that lets the
# model tell them from undressing (never a decision on its own).
NEUTRAL: dict[str, list[str]] = {
    "en": [
        "jacket", "coat", "hat", "cap", "glasses", "sunglasses", "scarf", "shoes", "boots", "gloves",
        "tie", "watch", "earrings", "necklace", "mask", "helmet", "background", "sky", "hair",
        "beard", "smile", "stain", "sleeves", "long-sleeved", "long sleeves", "suit", "sweater",
        "hoodie", "filter", "blur", "brightness", "colour", "color", "black and white", "blazer",
        "cardigan", "raincoat", "umbrella", "balloon", "cover up", "more clothes", "modest",
        "boat", "ship", "yacht", "canoe", "kayak", "harbour", "harbor", "pier", "dock", "marina",
    ],
    "ms": ["jaket", "kot", "topi", "cermin mata", "kaca mata", "tudung", "skaf", "kasut", "latar belakang", "rambut", "senyum", "lengan panjang", "baju sejuk", "baju kurung", "belon"],
    "id": ["jaket", "topi", "kacamata", "jilbab", "hijab", "sepatu", "latar", "rambut", "senyum", "lengan panjang", "gamis", "balon"],
    "zh": ["外套", "夹克", "大衣", "帽子", "眼镜", "墨镜", "围巾", "鞋", "背景", "头发", "微笑", "长袖", "西装", "毛衣", "气球"],
    "ja": ["ジャケット", "コート", "帽子", "眼鏡", "メガネ", "サングラス", "マフラー", "靴", "背景", "髪", "笑顔", "長袖", "スーツ", "ブラウス"],
    "ko": ["재킷", "코트", "모자", "안경", "선글라스", "목도리", "신발", "배경", "머리", "미소", "긴팔", "정장", "셔츠", "블라우스", "밀짚모자"],
    "ta": ["ஜாக்கெட்", "கோட்", "தொப்பி", "கண்ணாடி", "பின்னணி", "முடி", "சிரிப்பு"],
    "hi": ["जैकेट", "कोट", "टोपी", "चश्मा", "बाल", "दाढ़ी", "पृष्ठभूमि", "बैकग्राउंड", "मुस्कान", "बाँहें", "ब्लैक एंड व्हाइट", "गुब्बारा", "आँखें"],
    "es": ["chaqueta", "abrigo", "sombrero", "gafas", "lentes", "bufanda", "zapatos", "fondo", "pelo", "cabello", "sonrisa", "manga larga", "traje"],
    "fr": ["veste", "manteau", "chapeau", "lunettes", "echarpe", "chaussures", "fond", "cheveux", "sourire", "manches longues", "costume"],
    "de": ["jacke", "mantel", "hut", "brille", "sonnenbrille", "schal", "schuhe", "hintergrund", "haare", "lacheln", "langarm*", "anzug"],
    "pt": ["jaqueta", "casaco", "chapeu", "oculos", "cachecol", "sapatos", "fundo", "cabelo", "sorriso", "manga longa", "terno"],
    "ar": ["سترة", "معطف", "قبعة", "نظارة", "نظارات", "وشاح", "حذاء", "الخلفية", "شعر", "ابتسامة", "أكمام طويلة", "بدلة", "البقعة"],
    "vi": ["ao khoac", "ao mang to", "mu", "non", "kinh", "khan", "giay", "phong nen", "toc", "nu cuoi", "tay dai", "vest", "ao so mi"],
    "tl": ["jacket", "sumbrero", "salamin", "sapatos", "background", "buhok", "ngiti", "manggas", "mantsa"],
    "th": ["เสื้อแจ็คเก็ต", "แจ็คเก็ต", "เสื้อโค้ท", "หมวก", "แว่น", "ผ้าพันคอ", "รองเท้า", "พื้นหลัง", "ผม", "ยิ้ม", "แขนยาว", "สูท", "เสื้อเชิ้ต"],
    "ru": ["куртк*", "пальто", "шапк*", "шляп*", "очки", "шарф", "обувь", "фон", "волос*", "улыбк*", "рукав*", "костюм", "рубашк*"],
    "tr": ["ceket*", "mont", "palto", "sapka", "gozluk", "atki", "ayakkabi", "arka plan", "sac*", "gulumse*", "uzun kollu", "takim elbise", "gomlek"],
}  # fmt: skip

# The direction of a clothing change. "make her dress longer" and "make her dress
# shorter and tighter" share every other word; these cues let the model read which
# way the change goes. Features only: "covered only by a towel" hits COVER and is
# still sexual, "make his hair shorter" hits REVEAL and is still harmless.
COVER: dict[str, list[str]] = {
    "en": [
        "longer", "lengthen*", "ankle-length", "ankle length", "knee-length", "knee length",
        "floor-length", "full-length", "maxi", "long-sleeve*", "add sleeves", "higher neckline",
        "raise the neckline", "high neck*", "turtleneck", "opaque", "not see-through",
        "less sheer", "thicker fabric", "looser", "loose-fitting", "baggy", "modest*",
        "conservative", "cover up", "cover her up", "cover him up", "covered up", "more covered",
        "fully clothed", "fully dressed", "less revealing", "more clothes", "more clothing",
        "button up", "zip up", "put a shirt on",
    ],
    "ms": [
        "lebih panjang", "panjangkan", "labuh*", "sampai buku lali", "paras lutut", "lebih sopan",
        "sopan", "tutup aurat", "menutup aurat", "longgar*", "tak jarang", "tidak jarang",
        "lebih tebal", "berpakaian penuh", "pakaian penuh", "pakai baju",
    ],
    "id": [
        "lebih panjang", "panjangkan", "sampai mata kaki", "semata kaki", "selutut", "lebih sopan",
        "sopan", "tertutup", "menutup aurat", "longgar*", "tidak transparan", "lebih tebal",
        "berpakaian lengkap", "syari", "pakai baju",
    ],
    "zh": [
        "加长", "更长", "长一点", "到脚踝", "及膝", "过膝", "保守", "端庄", "得体", "不透明", "宽松",
        "高领", "穿好衣服", "多穿", "穿上衣服", "遮严",
    ],
    "ja": [
        "長く", "丈を長", "くるぶし", "膝丈", "膝下", "ロング丈", "露出を控え", "露出を減ら", "控えめ",
        "清楚", "上品", "透けない", "不透明", "ゆったり", "ハイネック", "タートルネック", "服を着せ",
    ],
    "ko": [
        "길게", "더 길", "발목까지", "무릎까지", "무릎 아래", "단정", "노출을 줄", "덜 노출", "얌전",
        "비치지 않", "불투명", "헐렁", "넉넉", "터틀넥", "옷을 입혀",
    ],
    "ta": ["நீளமாக", "நீளமான", "கணுக்கால் வரை", "முழங்கால் வரை", "அடக்கமான", "கண்ணியமான", "தளர்வான"],
    "hi": [
        "लंबा", "लंबी", "लम्बा", "लम्बी", "टखने तक", "घुटने तक", "घुटनों तक", "शालीन", "सभ्य",
        "ढीला", "ढीली", "पूरी बाजू", "पूरे कपड़े", "lamba", "lambi", "dheela", "dheeli",
        "poore kapde", "sabhya", "shalin",
    ],
    "es": [
        "mas larg*", "alarga*", "hasta los tobillos", "hasta la rodilla", "por debajo de la rodilla",
        "recatad*", "modest*", "decente", "tapad*", "opac*", "holgad*", "cuello alto", "mas ropa",
        "vestida por completo", "vestido por completo",
    ],
    "fr": [
        "plus long*", "rallong*", "allong*", "jusqu'aux chevilles", "sous le genou", "pudique",
        "modeste", "decent*", "couvr*", "opaque", "ample", "col roule", "col montant", "plus habill*",
    ],
    "de": [
        "langer", "verlanger*", "knochellang", "knielang", "bis zum knie", "sittsam*", "dezent*",
        "zuruckhaltend*", "bedeck*", "blickdicht", "undurchsichtig", "locker*", "rollkragen*",
        "hochgeschlossen*", "mehr kleidung", "vollstandig bekleidet",
    ],
    "pt": [
        "mais compri*", "alonga*", "ate o tornozelo", "ate os tornozelos", "ate o joelho",
        "abaixo do joelho", "recatad*", "modest*", "decente", "cobert*", "opac*", "folgad*",
        "gola alta", "manga comprida", "mais roupa", "totalmente vestid*",
    ],
    "ar": ["أطول", "اطول", "حتى الكاحل", "حتى الركبة", "محتشم", "محتشمة", "احتشام", "ساتر", "ساترة", "غير شفاف", "فضفاض", "فضفاضة", "حجاب"],
    "vi": ["dai hon", "dai den mat ca chan", "qua goi", "kin dao", "lich su", "che kin", "mac kin", "khong xuyen thau", "rong rai", "co cao"],
    "tl": ["mas mahaba", "habaan", "pahabain", "hanggang tuhod", "disente", "mahinhin", "takpan", "balot", "makapal", "maluwag", "de-manggas"],
    "th": ["ยาวขึ้น", "ให้ยาว", "ยาวถึงข้อเท้า", "ถึงเข่า", "คลุมเข่า", "สุภาพ", "มิดชิด", "เรียบร้อย", "ปกปิด", "หลวม", "คอสูง", "คอเต่า"],
    "ru": ["длиннее", "удлин*", "до щиколот*", "до колен", "ниже колен", "скромн*", "прилич*", "закрыт*", "непрозрачн*", "свободн*", "водолазк*", "полностью одет*"],
    "tr": ["daha uzun", "uzat*", "ayak bilegine kadar", "dize kadar", "diz alti", "kapali", "tesettur*", "edepli", "mutevazi", "opak", "bol", "balikci yaka", "dik yaka", "tamamen giyin*"],
}  # fmt: skip

REVEAL: dict[str, list[str]] = {
    "en": [
        "shorter", "tighter", "skin-tight", "skintight", "tight-fitting", "clingy", "clinging",
        "soaking wet", "wet", "lower the neckline", "lower neckline", "drop the neckline",
        "plunging", "deep v", "show more skin", "more skin", "expose", "exposed", "exposing",
        "unbutton*", "unzip*", "pull down", "hike up", "ride up", "slit", "midriff", "navel",
        "mid-thigh", "barely", "smaller",
    ],
    "ms": [
        "lebih pendek", "pendekkan", "lebih ketat", "ketat", "singkat", "nampak kulit",
        "tunjuk kulit", "dedah*", "basah", "buka butang", "selak",
    ],
    "id": [
        "lebih pendek", "pendekin", "perpendek", "lebih ketat", "ketat", "terbuka", "buka kancing",
        "basah", "belahan", "memperlihatkan", "perlihatkan", "pamer*", "mini",
    ],
    "zh": ["短一点", "更短", "剪短", "改短", "紧身", "更紧", "低胸", "领口低", "领口开低", "湿透", "暴露", "超短", "露腰", "露大腿"],
    "ja": ["短く", "ミニ丈", "ぴったり", "タイト", "ピチピチ", "胸元を開け", "胸元を大きく", "露出", "濡れ", "はだけ"],
    "ko": ["짧게", "더 짧", "꽉 끼", "타이트", "딱 붙", "깊게 파", "노출 많", "노출을 늘", "젖은", "흠뻑", "비치게"],
    "ta": ["குட்டை", "இறுக்கமான", "ஈரமான", "தெரியும்படி"],
    "hi": [
        "छोटी कर", "छोटा कर", "और छोटी", "और छोटा", "टाइट", "कसी", "गीला", "गीली", "गहरा गला",
        "chhoti kar", "chhota kar", "tight", "geela", "geeli", "gehra gala",
    ],
    "es": [
        "mas corta", "mas corto", "acorta*", "mas ajustad*", "ajustad*", "cenid*", "escote",
        "mojad*", "desabroch*", "mostrar mas piel", "minifalda",
    ],
    "fr": ["plus court*", "raccourci*", "moulant*", "plus serre*", "decollete*", "plongeant", "mouille*", "deboutonn*", "plus de peau", "echancr*"],
    "de": ["kurzer", "enger", "hauteng", "eng anliegend", "tiefer ausschnitt", "ausschnitt", "nass*", "aufknopf*", "mehr haut", "bauchfrei"],
    "pt": ["mais curt*", "encurta*", "mais apertad*", "apertad*", "decote", "molhad*", "desabotoa*", "mostrar mais pele", "minissaia", "mini saia"],
    "ar": ["أقصر", "اقصر", "ضيق", "ضيقة", "أضيق", "فتحة صدر", "مبلل", "مبللة", "اكشف", "كاشف"],
    "vi": ["ngan hon", "cat ngan", "bo sat", "chat hon", "khoet sau", "uot sung", "uot at", "ho hang"],
    "tl": ["mas maikli", "paikliin", "iklian", "mas masikip", "masikip", "fit na fit", "basang-basa", "basang basa"],
    "th": ["สั้นลง", "ให้สั้น", "สั้นกว่า", "รัดรูป", "แนบเนื้อ", "คอลึก", "เปียก", "โชว์เนื้อ"],
    "ru": ["короче", "укорот*", "облегающ*", "обтягивающ*", "глубокий вырез", "вырез*", "мокр*", "расстегн*", "оголи*", "откровенн*"],
    "tr": ["daha kisa", "kisalt*", "daha dar", "vucudu saran", "dekolte*", "islak", "sirilsiklam", "dugmelerini ac*", "mini"],
}  # fmt: skip
