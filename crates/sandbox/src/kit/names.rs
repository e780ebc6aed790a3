//! Word lists for realistic Dutch and Belgian (Flemish) relations, addresses and products.

pub const FIRST_NAMES_NL: &[&str] = &[
    "Jan", "Pieter", "Kees", "Henk", "Gerrit", "Willem", "Johan", "Cor", "Sander", "Bas", "Ruben",
    "Daan", "Sem", "Lucas", "Thijs", "Bram", "Jeroen", "Martijn", "Niels", "Joost", "Wouter",
    "Erik", "Marco", "Dennis", "Rob", "Arjen", "Hans", "Frank", "Theo", "Marcel", "Cas", "Jesse",
    "Stijn", "Tim", "Lars", "Mohamed", "Tarik", "Yusuf", "Emre", "Anouk", "Sanne", "Lotte",
    "Femke", "Marieke", "Inge", "Ingrid", "Annemiek", "Esther", "Linda", "Petra", "Monique",
    "Wilma", "Joke", "Ria", "Gerda", "Marloes", "Iris", "Eva", "Julia", "Emma", "Tess", "Sophie",
    "Fleur", "Noor", "Lisa", "Sara", "Fatima", "Samira", "Naima", "Ilse", "Karin", "Miriam",
    "Nicole", "Saskia", "Yvonne", "Astrid", "Jolanda", "Anneke", "Mirjam", "Renate", "Hanneke",
];

pub const FIRST_NAMES_BE: &[&str] = &[
    "Wim",
    "Luc",
    "Jef",
    "Koen",
    "Bart",
    "Dirk",
    "Geert",
    "Tom",
    "Pieter-Jan",
    "Jens",
    "Wout",
    "Arne",
    "Seppe",
    "Lander",
    "Stijn",
    "Kristof",
    "Filip",
    "Jan",
    "Marc",
    "Patrick",
    "Hilde",
    "Griet",
    "Sofie",
    "An",
    "Els",
    "Katrien",
    "Liesbeth",
    "Nele",
    "Lien",
    "Ine",
    "Veerle",
    "Marleen",
    "Kaat",
    "Fien",
    "Lore",
    "Febe",
    "Elke",
    "Sarah",
    "Jolien",
    "Annelies",
];

/// Men's first names (for a contact's sex).
pub const MEN_NL: &[&str] = &[
    "Jan", "Pieter", "Kees", "Henk", "Gerrit", "Willem", "Johan", "Sander", "Bas", "Ruben", "Daan",
    "Thijs", "Bram", "Jeroen", "Martijn", "Niels", "Joost", "Wouter", "Erik", "Marco", "Dennis",
    "Rob", "Arjen", "Hans", "Frank", "Theo", "Marcel", "Mohamed", "Yusuf", "Emre",
];
pub const WOMEN_NL: &[&str] = &[
    "Anouk", "Sanne", "Lotte", "Femke", "Marieke", "Inge", "Esther", "Linda", "Petra", "Monique",
    "Wilma", "Joke", "Gerda", "Iris", "Eva", "Julia", "Emma", "Sophie", "Fleur", "Noor", "Lisa",
    "Fatima", "Samira", "Ilse", "Karin", "Saskia", "Yvonne", "Johanna", "Hanneke", "Renate",
];
pub const MEN_BE: &[&str] = &[
    "Wim",
    "Luc",
    "Jef",
    "Koen",
    "Bart",
    "Dirk",
    "Geert",
    "Tom",
    "Pieter-Jan",
    "Jens",
    "Wout",
    "Arne",
    "Seppe",
    "Kristof",
    "Filip",
    "Marc",
    "Patrick",
    "Hendrik",
];
pub const WOMEN_BE: &[&str] = &[
    "Hilde", "Griet", "Sofie", "An", "Els", "Katrien", "Liesbeth", "Nele", "Lien", "Veerle",
    "Marleen", "Fien", "Lore", "Elke", "Sarah", "Jolien", "Annelies",
];

/// Surnames with their prefix ("tussenvoegsel"), as AFAS keeps them apart.
pub const SURNAMES_NL: &[(&str, &str)] = &[
    ("de", "Vries"),
    ("", "Jansen"),
    ("de", "Jong"),
    ("van den", "Berg"),
    ("", "Bakker"),
    ("van", "Dijk"),
    ("", "Visser"),
    ("", "Smit"),
    ("", "Meijer"),
    ("de", "Boer"),
    ("", "Mulder"),
    ("de", "Groot"),
    ("", "Bos"),
    ("", "Vos"),
    ("", "Peters"),
    ("", "Hendriks"),
    ("van", "Leeuwen"),
    ("", "Dekker"),
    ("", "Brouwer"),
    ("de", "Wit"),
    ("", "Dijkstra"),
    ("", "Smits"),
    ("de", "Graaf"),
    ("van der", "Meer"),
    ("van der", "Linden"),
    ("", "Kok"),
    ("", "Jacobs"),
    ("de", "Haan"),
    ("", "Vermeulen"),
    ("van den", "Heuvel"),
    ("van der", "Veen"),
    ("van den", "Broek"),
    ("de", "Bruijn"),
    ("de", "Bruin"),
    ("van der", "Heijden"),
    ("", "Schouten"),
    ("van", "Beek"),
    ("", "Willems"),
    ("van", "Vliet"),
    ("van de", "Ven"),
    ("", "Hoekstra"),
    ("", "Maas"),
    ("", "Verhoeven"),
    ("", "Koster"),
    ("van", "Dam"),
    ("van der", "Wal"),
    ("", "Prins"),
    ("", "Blom"),
    ("", "Huisman"),
    ("", "Kuipers"),
    ("van", "Wijk"),
    ("", "Postma"),
    ("", "Kramer"),
    ("van", "Veen"),
    ("ter", "Horst"),
    ("", "Hoogland"),
    ("", "Tijhuis"),
    ("", "Hafkamp"),
    ("el", "Erdol"),
    ("el", "Amrani"),
    ("", "Yilmaz"),
    ("", "Kaya"),
    ("", "Öztürk"),
    ("", "Bouzid"),
    ("", "Zandbergen"),
    ("van 't", "Hof"),
    ("", "Groenewegen"),
    ("", "Wolters"),
    ("", "Evers"),
    ("", "Timmermans"),
];

pub const SURNAMES_BE: &[(&str, &str)] = &[
    ("", "Peeters"),
    ("", "Janssens"),
    ("", "Maes"),
    ("", "Jacobs"),
    ("", "Mertens"),
    ("", "Willems"),
    ("", "Claes"),
    ("", "Goossens"),
    ("", "Wouters"),
    ("De", "Smet"),
    ("", "Dubois"),
    ("", "Lambert"),
    ("De", "Clercq"),
    ("Van de", "Velde"),
    ("", "Aerts"),
    ("", "Hermans"),
    ("De", "Backer"),
    ("Van", "Damme"),
    ("", "Verstraete"),
    ("", "Desmet"),
    ("Van den", "Bossche"),
    ("", "Pauwels"),
    ("", "Vermeersch"),
    ("De", "Wilde"),
    ("", "Michiels"),
    ("", "Coppens"),
    ("Van", "Acker"),
    ("", "Verhaegen"),
    ("", "Claeys"),
    ("De", "Meyer"),
    ("", "Vandenberghe"),
    ("", "Segers"),
    ("", "Cools"),
    ("", "Wuyts"),
];

/// Trade words placed before a surname: "Bakkerij de Vries".
pub const TRADES_BEFORE: &[(&str, &str)] = &[
    ("Bakkerij", "1071"),
    ("Slagerij", "4722"),
    ("Installatiebedrijf", "4322"),
    ("Schildersbedrijf", "4334"),
    ("Hoveniersbedrijf", "8130"),
    ("Timmerbedrijf", "4332"),
    ("Loodgietersbedrijf", "4322"),
    ("Transportbedrijf", "4941"),
    ("Administratiekantoor", "6920"),
    ("Accountantskantoor", "6920"),
    ("Autobedrijf", "4520"),
    ("Garagebedrijf", "4520"),
    ("Kapsalon", "9602"),
    ("Bloemenhandel", "4776"),
    ("Restaurant", "5610"),
    ("Café", "5630"),
    ("Fietsenwinkel", "4764"),
    ("Dakdekkersbedrijf", "4391"),
    ("Elektrotechnisch bureau", "4321"),
    ("Aannemersbedrijf", "4120"),
    ("Makelaardij", "6831"),
    ("Fysiotherapie", "8690"),
    ("Tandartspraktijk", "8623"),
    ("Schoonmaakbedrijf", "8121"),
    ("Verhuisbedrijf", "4942"),
];

/// Trade words placed after a surname: "Jansen Installatietechniek".
pub const TRADES_AFTER: &[(&str, &str)] = &[
    ("Installatietechniek", "4322"),
    ("Bouw", "4120"),
    ("Transport", "4941"),
    ("Logistiek", "5210"),
    ("Vastgoed", "6820"),
    ("Advies", "7022"),
    ("ICT", "6202"),
    ("Software", "6201"),
    ("Metaalbewerking", "2562"),
    ("Grondverzet", "4312"),
    ("Zonwering", "4332"),
    ("Keukens", "4759"),
    ("Tegelwerken", "4333"),
    ("Catering", "5621"),
    ("Holding", "6420"),
    ("Elektro", "4321"),
    ("Schilderwerken", "4334"),
    ("Dakwerken", "4391"),
];

/// Invented brand-like names: "Noordwind Media".
pub const FANTASY_FIRST: &[&str] = &[
    "Noordwind",
    "Zonnegloed",
    "Groenrijk",
    "Polderlicht",
    "Duinzicht",
    "Molenaar",
    "Heidezicht",
    "Waterkant",
    "Lindeboom",
    "Eikenhof",
    "Vlasbloem",
    "Klaproos",
    "Zilverberk",
    "Dijkhuis",
    "Kompas",
    "Baken",
    "Veldzicht",
    "Scheldezicht",
    "Kempenland",
    "Leiezicht",
];

pub const FANTASY_SECOND: &[(&str, &str)] = &[
    ("Media", "7311"),
    ("Design", "7410"),
    ("Events", "8230"),
    ("Webdesign", "6201"),
    ("Interieur", "4759"),
    ("Hoveniers", "8130"),
    ("Kinderopvang", "8891"),
    ("Drukwerk", "1812"),
    ("Reclame", "7311"),
    ("Zorg", "8810"),
    ("Techniek", "7112"),
    ("Energie", "3511"),
    ("Fietsen", "4764"),
    ("Koffiebranders", "1083"),
    ("Wijnhandel", "4634"),
];

pub const LEGAL_FORMS_NL: &[&str] = &["B.V.", "B.V.", "B.V.", "B.V.", "V.O.F.", "", "", "N.V."];
pub const LEGAL_FORMS_BE: &[&str] = &["BV", "BV", "BV", "NV", "CommV", "", "BVBA"];

pub const MAIL_DOMAINS_NL: &[&str] = &[
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "ziggo.nl",
    "kpnmail.nl",
    "live.nl",
    "planet.nl",
    "xs4all.nl",
    "icloud.com",
];
pub const MAIL_DOMAINS_BE: &[&str] = &[
    "gmail.com",
    "telenet.be",
    "skynet.be",
    "hotmail.com",
    "outlook.be",
    "proximus.be",
];
pub const ORG_MAILBOXES: &[&str] = &[
    "info",
    "info",
    "info",
    "administratie",
    "facturen",
    "boekhouding",
    "contact",
];

#[derive(Debug)]
/// City, first and last postal code number, area code (without the leading 0).
pub struct City {
    pub name: &'static str,
    pub from: u16,
    pub to: u16,
    pub area: &'static str,
}

pub const CITIES_NL: &[City] = &[
    City {
        name: "Amsterdam",
        from: 1011,
        to: 1109,
        area: "20",
    },
    City {
        name: "Rotterdam",
        from: 3011,
        to: 3089,
        area: "10",
    },
    City {
        name: "Den Haag",
        from: 2491,
        to: 2599,
        area: "70",
    },
    City {
        name: "Utrecht",
        from: 3511,
        to: 3585,
        area: "30",
    },
    City {
        name: "Eindhoven",
        from: 5611,
        to: 5658,
        area: "40",
    },
    City {
        name: "Groningen",
        from: 9711,
        to: 9747,
        area: "50",
    },
    City {
        name: "Delft",
        from: 2611,
        to: 2629,
        area: "15",
    },
    City {
        name: "Haarlem",
        from: 2011,
        to: 2037,
        area: "23",
    },
    City {
        name: "Leiden",
        from: 2311,
        to: 2334,
        area: "71",
    },
    City {
        name: "Zwolle",
        from: 8011,
        to: 8049,
        area: "38",
    },
    City {
        name: "Amersfoort",
        from: 3811,
        to: 3829,
        area: "33",
    },
    City {
        name: "Nijmegen",
        from: 6511,
        to: 6546,
        area: "24",
    },
    City {
        name: "Arnhem",
        from: 6811,
        to: 6846,
        area: "26",
    },
    City {
        name: "Breda",
        from: 4811,
        to: 4839,
        area: "76",
    },
    City {
        name: "Tilburg",
        from: 5011,
        to: 5049,
        area: "13",
    },
    City {
        name: "Apeldoorn",
        from: 7311,
        to: 7339,
        area: "55",
    },
    City {
        name: "Enschede",
        from: 7511,
        to: 7548,
        area: "53",
    },
    City {
        name: "Maastricht",
        from: 6211,
        to: 6229,
        area: "43",
    },
    City {
        name: "Dordrecht",
        from: 3311,
        to: 3329,
        area: "78",
    },
    City {
        name: "Harderwijk",
        from: 3841,
        to: 3849,
        area: "341",
    },
    City {
        name: "Leusden",
        from: 3831,
        to: 3835,
        area: "33",
    },
    City {
        name: "Putten",
        from: 3881,
        to: 3882,
        area: "341",
    },
    City {
        name: "Nunspeet",
        from: 8071,
        to: 8076,
        area: "341",
    },
    City {
        name: "'s-Hertogenbosch",
        from: 5211,
        to: 5237,
        area: "73",
    },
    City {
        name: "Alkmaar",
        from: 1811,
        to: 1827,
        area: "72",
    },
    City {
        name: "Deventer",
        from: 7411,
        to: 7429,
        area: "570",
    },
    City {
        name: "Leeuwarden",
        from: 8911,
        to: 8941,
        area: "58",
    },
    City {
        name: "Venlo",
        from: 5911,
        to: 5932,
        area: "77",
    },
    City {
        name: "Hoorn",
        from: 1621,
        to: 1628,
        area: "229",
    },
    City {
        name: "Gouda",
        from: 2801,
        to: 2809,
        area: "182",
    },
];

pub const CITIES_BE: &[City] = &[
    City {
        name: "Antwerpen",
        from: 2000,
        to: 2060,
        area: "3",
    },
    City {
        name: "Gent",
        from: 9000,
        to: 9052,
        area: "9",
    },
    City {
        name: "Brugge",
        from: 8000,
        to: 8020,
        area: "50",
    },
    City {
        name: "Leuven",
        from: 3000,
        to: 3012,
        area: "16",
    },
    City {
        name: "Mechelen",
        from: 2800,
        to: 2812,
        area: "15",
    },
    City {
        name: "Hasselt",
        from: 3500,
        to: 3512,
        area: "11",
    },
    City {
        name: "Kortrijk",
        from: 8500,
        to: 8511,
        area: "56",
    },
    City {
        name: "Brussel",
        from: 1000,
        to: 1000,
        area: "2",
    },
    City {
        name: "Aalst",
        from: 9300,
        to: 9320,
        area: "53",
    },
    City {
        name: "Genk",
        from: 3600,
        to: 3600,
        area: "89",
    },
    City {
        name: "Turnhout",
        from: 2300,
        to: 2300,
        area: "14",
    },
    City {
        name: "Oostende",
        from: 8400,
        to: 8400,
        area: "59",
    },
    City {
        name: "Sint-Niklaas",
        from: 9100,
        to: 9112,
        area: "3",
    },
    City {
        name: "Roeselare",
        from: 8800,
        to: 8800,
        area: "51",
    },
    City {
        name: "Geel",
        from: 2440,
        to: 2440,
        area: "14",
    },
];

pub const STREETS_NL: &[&str] = &[
    "Kerkstraat",
    "Dorpsstraat",
    "Stationsweg",
    "Molenweg",
    "Hoofdstraat",
    "Schoolstraat",
    "Julianastraat",
    "Beatrixlaan",
    "Wilhelminastraat",
    "Industrieweg",
    "Nieuwstraat",
    "Marktplein",
    "Parallelweg",
    "Sportlaan",
    "Eikenlaan",
    "Lindenlaan",
    "Olof Palmestraat",
    "Reactorweg",
    "Wega",
    "Voorthuizerstraat",
    "Krommeweg",
    "Inspiratielaan",
    "Koningsweg",
    "Havenstraat",
    "Prinsengracht",
    "Herengracht",
    "Oranjestraat",
    "Burgemeester de Withstraat",
    "Vondellaan",
    "Rembrandtlaan",
    "Zuiderzeestraatweg",
    "Kanaalweg",
    "Energieweg",
    "Ambachtsweg",
    "Nijverheidsweg",
    "Handelsweg",
    "Spoorlaan",
    "Populierenlaan",
    "Berkenlaan",
    "Beukenlaan",
    "Middelweg",
    "Emmalaan",
    "Van Goghstraat",
    "Thorbeckelaan",
    "Laan van Meerdervoort",
];

pub const STREETS_BE: &[&str] = &[
    "Kerkstraat",
    "Stationsstraat",
    "Dorpsstraat",
    "Nieuwstraat",
    "Molenstraat",
    "Schoolstraat",
    "Kapelstraat",
    "Grote Markt",
    "Kouter",
    "Meir",
    "Koning Albertlaan",
    "Leopoldlaan",
    "Steenweg",
    "Brusselsesteenweg",
    "Gentsesteenweg",
    "Industrielaan",
    "Nijverheidsstraat",
    "Vaartstraat",
    "Kasteelstraat",
    "Lindenlaan",
    "Veldstraat",
    "Bosstraat",
    "Hoogstraat",
];

pub const ADMINISTRATIONS: &[&str] = &[
    "Hoogland Installatietechniek B.V.",
    "Hoogland Onderhoud & Service B.V.",
    "Hoogland Holding B.V.",
    "Bakkerij Hoogland V.O.F.",
    "Hoogland Vastgoed B.V.",
    "Hoogland Advies",
];

/// A product template: description, group, VAT type, product type, base price in cents,
/// variants appended to the description.
#[derive(Debug)]
pub struct ProductTemplate {
    pub name: &'static str,
    pub group: &'static str,
    pub vat: &'static str,
    pub kind: &'static str,
    pub cents: u32,
    pub variants: &'static [&'static str],
}

macro_rules! p {
    ($name:expr, $group:expr, $vat:expr, $kind:expr, $cents:expr, [$($v:expr),* $(,)?]) => {
        ProductTemplate { name: $name, group: $group, vat: $vat, kind: $kind, cents: $cents, variants: &[$($v),*] }
    };
}

pub const PRODUCTS: &[ProductTemplate] = &[
    p!(
        "Arbeid monteur",
        "Arbeid",
        "high",
        "services",
        6250,
        [
            "(per uur)",
            "avond (per uur)",
            "weekend (per uur)",
            "(per kwartier)"
        ]
    ),
    p!(
        "Arbeid leerling-monteur",
        "Arbeid",
        "high",
        "services",
        4150,
        ["(per uur)", "(per kwartier)"]
    ),
    p!(
        "Voorrijkosten",
        "Arbeid",
        "high",
        "services",
        4500,
        ["regio", "buiten regio", "spoed"]
    ),
    p!(
        "Advies",
        "Advies",
        "high",
        "services",
        9500,
        [
            "(per uur)",
            "senior (per uur)",
            "dagdeel",
            "strippenkaart 10 uur"
        ]
    ),
    p!(
        "Projectmanagement",
        "Advies",
        "high",
        "services",
        8750,
        ["(per uur)", "(per dag)"]
    ),
    p!(
        "Ontwerp en tekenwerk",
        "Advies",
        "high",
        "services",
        7500,
        ["(per uur)", "schetsontwerp", "definitief ontwerp"]
    ),
    p!(
        "Onderhoudscontract cv-ketel",
        "Onderhoud",
        "high",
        "services",
        14900,
        [
            "basis (per jaar)",
            "all-in (per jaar)",
            "zakelijk (per jaar)"
        ]
    ),
    p!(
        "Onderhoudsbeurt",
        "Onderhoud",
        "high",
        "services",
        11900,
        [
            "cv-ketel",
            "warmtepomp",
            "airco",
            "zonneboiler",
            "mechanische ventilatie"
        ]
    ),
    p!(
        "Storingsdienst",
        "Onderhoud",
        "high",
        "services",
        9500,
        ["werkdagen", "avond en weekend", "feestdagen"]
    ),
    p!(
        "Webdesign",
        "Web Design",
        "high",
        "services",
        7500,
        ["(per uur)", "landingspagina", "huisstijl", "webshop basis"]
    ),
    p!(
        "Hosting",
        "Web Design",
        "high",
        "services",
        1250,
        [
            "basis (per maand)",
            "plus (per maand)",
            "zakelijk (per maand)",
            "(per jaar)"
        ]
    ),
    p!(
        "Licentie boekhoudpakket",
        "Software",
        "high",
        "services",
        2995,
        ["(per maand)", "(per jaar)", "extra gebruiker (per maand)"]
    ),
    p!(
        "Schoonmaak kantoor",
        "Schoonmaak",
        "high",
        "services",
        3250,
        ["(per uur)", "periodiek (per maand)", "oplevering"]
    ),
    p!(
        "Glazenwassen",
        "Schoonmaak",
        "high",
        "services",
        6500,
        ["woning", "bedrijfspand", "hoogwerker (per uur)"]
    ),
    p!(
        "Kilometervergoeding",
        "Reiskosten",
        "high",
        "services",
        23,
        ["(per km)"]
    ),
    p!(
        "Administratiekosten",
        "Overig",
        "high",
        "services",
        750,
        [""]
    ),
    p!(
        "Verzendkosten",
        "Overig",
        "high",
        "supplies",
        695,
        ["pakket", "brievenbuspakket", "pallet", "spoed"]
    ),
    p!(
        "Cv-ketel Remeha Calenta Ace",
        "Installatiemateriaal",
        "high",
        "supplies",
        185000,
        ["28c", "35c", "40c"]
    ),
    p!(
        "Cv-ketel Intergas Xtreme",
        "Installatiemateriaal",
        "high",
        "supplies",
        199500,
        ["30", "36"]
    ),
    p!(
        "Thermostaat Honeywell",
        "Installatiemateriaal",
        "high",
        "supplies",
        12995,
        ["Lyric T6", "Chronotherm", "Evohome startset"]
    ),
    p!(
        "Radiator type 22",
        "Installatiemateriaal",
        "high",
        "supplies",
        18900,
        ["600x600", "600x1000", "600x1400", "900x800"]
    ),
    p!(
        "Koperen buis 15 mm",
        "Installatiemateriaal",
        "high",
        "supplies",
        2450,
        ["(lengte 5 m)", "(lengte 2,5 m)"]
    ),
    p!(
        "PVC afvoerbuis",
        "Installatiemateriaal",
        "high",
        "supplies",
        1295,
        ["32 mm (4 m)", "40 mm (4 m)", "50 mm (4 m)", "110 mm (4 m)"]
    ),
    p!(
        "Mengkraan Grohe",
        "Sanitair",
        "high",
        "supplies",
        15900,
        ["wastafel", "keuken", "douche thermostatisch"]
    ),
    p!(
        "Toiletcombinatie",
        "Sanitair",
        "high",
        "supplies",
        34900,
        ["staand", "hangend", "hangend randloos"]
    ),
    p!(
        "Schroeven RVS",
        "Bevestigingsmateriaal",
        "high",
        "supplies",
        1895,
        [
            "4x40 (doos 200 st.)",
            "4x50 (doos 200 st.)",
            "5x60 (doos 100 st.)",
            "6x80 (doos 100 st.)"
        ]
    ),
    p!(
        "Pluggen nylon",
        "Bevestigingsmateriaal",
        "high",
        "supplies",
        695,
        [
            "6 mm (doos 100 st.)",
            "8 mm (doos 100 st.)",
            "10 mm (doos 50 st.)"
        ]
    ),
    p!(
        "Muurverf wit",
        "Verf",
        "high",
        "supplies",
        6495,
        ["mat (10 l)", "mat (2,5 l)", "zijdeglans (10 l)"]
    ),
    p!(
        "Grondverf",
        "Verf",
        "high",
        "supplies",
        3995,
        ["wit (2,5 l)", "grijs (2,5 l)", "(750 ml)"]
    ),
    p!(
        "Gipsplaat",
        "Bouwmateriaal",
        "high",
        "supplies",
        1195,
        ["2600x1200x12,5", "2600x600x12,5", "vochtwerend 2600x1200"]
    ),
    p!(
        "Isolatieplaat PIR",
        "Bouwmateriaal",
        "high",
        "supplies",
        2850,
        ["60 mm", "80 mm", "100 mm", "120 mm"]
    ),
    p!(
        "Tegellijm",
        "Bouwmateriaal",
        "high",
        "supplies",
        2195,
        ["flexibel (25 kg)", "snelhardend (25 kg)"]
    ),
    p!(
        "LED-paneel",
        "Elektra",
        "high",
        "supplies",
        4995,
        ["60x60 4000K", "30x120 4000K", "60x60 3000K"]
    ),
    p!(
        "Installatiedraad",
        "Elektra",
        "high",
        "supplies",
        3495,
        [
            "2,5 mm² (rol 100 m)",
            "1,5 mm² (rol 100 m)",
            "4 mm² (rol 100 m)"
        ]
    ),
    p!(
        "Groepenkast",
        "Elektra",
        "high",
        "supplies",
        28500,
        ["4 groepen", "8 groepen", "12 groepen 3-fase"]
    ),
    p!(
        "Laptop Lenovo ThinkPad",
        "Systemen",
        "high",
        "supplies",
        89900,
        ["E14", "T14", "X1 Carbon"]
    ),
    p!(
        "Monitor Dell",
        "Monitoren",
        "high",
        "supplies",
        24098,
        ["24 inch", "27 inch", "27 inch USB-C", "34 inch curved"]
    ),
    p!(
        "Draadloze muis Logitech",
        "Randapparatuur",
        "high",
        "supplies",
        2993,
        ["M185", "M705", "MX Master 3S"]
    ),
    p!(
        "Toetsenbord Logitech",
        "Randapparatuur",
        "high",
        "supplies",
        1365,
        ["K120", "K270 draadloos", "MX Keys"]
    ),
    p!(
        "USB-C dockingstation",
        "Randapparatuur",
        "high",
        "supplies",
        17900,
        ["Dell WD19", "Lenovo USB-C Dock"]
    ),
    p!(
        "Printerpapier A4",
        "Kantoorartikelen",
        "high",
        "supplies",
        2495,
        ["80 g (doos 5 pakken)", "80 g (pak 500 vel)"]
    ),
    p!(
        "Toner HP",
        "Kantoorartikelen",
        "high",
        "supplies",
        8995,
        ["305A zwart", "305A cyaan", "305A magenta", "305A geel"]
    ),
    p!(
        "Koffiebonen Arabica",
        "Koffie en thee",
        "low",
        "supplies",
        1850,
        ["(1 kg)", "biologisch (1 kg)", "espresso (1 kg)", "(500 g)"]
    ),
    p!(
        "Thee assortiment",
        "Koffie en thee",
        "low",
        "supplies",
        795,
        ["(doos 100 zakjes)", "groene thee (doos 100 zakjes)"]
    ),
    p!(
        "Brood volkoren",
        "Brood en banket",
        "low",
        "supplies",
        325,
        ["heel", "half", "gesneden heel"]
    ),
    p!(
        "Krentenbollen",
        "Brood en banket",
        "low",
        "supplies",
        299,
        ["(6 st.)", "(10 st.)"]
    ),
    p!(
        "Appeltaart",
        "Brood en banket",
        "low",
        "supplies",
        1695,
        ["(12 punten)", "(8 punten)", "Hollands (16 punten)"]
    ),
    p!(
        "Lunchbroodjes",
        "Catering",
        "low",
        "supplies",
        850,
        [
            "(per persoon)",
            "luxe (per persoon)",
            "vegetarisch (per persoon)"
        ]
    ),
    p!(
        "Soep van de dag",
        "Catering",
        "low",
        "supplies",
        695,
        ["(1 liter)", "(5 liter)"]
    ),
    p!(
        "Frisdrank",
        "Catering",
        "low",
        "supplies",
        1895,
        ["(krat 24 flesjes)", "(tray 24 blikjes)"]
    ),
    p!(
        "Fruitmand",
        "Catering",
        "low",
        "supplies",
        3450,
        ["klein", "groot", "met zuivel"]
    ),
    p!(
        "Bloemen boeket",
        "Bloemen en planten",
        "low",
        "supplies",
        2495,
        ["seizoen", "luxe", "rouw"]
    ),
    p!(
        "Kamerplant",
        "Bloemen en planten",
        "low",
        "supplies",
        1995,
        ["klein", "groot", "kantoor met pot"]
    ),
    p!(
        "Vakboek Installatietechniek",
        "Boeken",
        "low",
        "supplies",
        4950,
        ["deel 1", "deel 2", "NEN 1010 editie"]
    ),
    p!(
        "Schilderwerk woning ouder dan 2 jaar",
        "Arbeid",
        "low",
        "services",
        5250,
        ["(per uur)", "(per m²)"]
    ),
    p!(
        "Stukadoorswerk woning ouder dan 2 jaar",
        "Arbeid",
        "low",
        "services",
        2450,
        ["(per m²)", "plafond (per m²)"]
    ),
    p!(
        "Fietsreparatie",
        "Arbeid",
        "low",
        "services",
        5500,
        ["(per uur)", "kleine beurt", "grote beurt"]
    ),
    p!(
        "Personenvervoer internationaal",
        "Vervoer",
        "zero",
        "services",
        12500,
        ["(per rit)", "(per dag)"]
    ),
    p!(
        "Levering buiten de EU",
        "Export",
        "zero",
        "supplies",
        0,
        ["verzendkosten", "exportdocumenten"]
    ),
    p!(
        "Zeevaartlevering",
        "Export",
        "zero",
        "supplies",
        45000,
        ["proviand", "onderdelen"]
    ),
];
