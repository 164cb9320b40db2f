"""Words the demo CRM data is made of."""

FIRST_NAMES = [
    "Anna",
    "Boris",
    "Daria",
    "Egor",
    "Irina",
    "Kirill",
    "Lena",
    "Maxim",
    "Nina",
    "Oleg",
    "Polina",
    "Roman",
    "Sofia",
    "Timur",
    "Vera",
    "Yuri",
]
FEMININE_NAMES = {"Anna", "Daria", "Irina", "Lena", "Nina", "Polina", "Sofia", "Vera"}
LAST_NAMES = [
    "Ivanov",
    "Smirnov",
    "Kuznetsov",
    "Popov",
    "Vasiliev",
    "Petrov",
    "Sokolov",
    "Mikhailov",
    "Novikov",
    "Fedorov",
    "Morozov",
    "Volkov",
    "Alekseev",
    "Lebedev",
]
COMPANY_WORDS = [
    "Nord",
    "Volga",
    "Techno",
    "Sibir",
    "Ural",
    "Alfa",
    "Delta",
    "Orion",
    "Vector",
    "Atlas",
    "Polar",
    "Zenit",
]
COMPANY_KINDS = ["Systems", "Logistics", "Trade", "Soft", "Foods", "Energy", "Media", "Build"]
INDUSTRIES = ["IT", "Manufacturing", "Retail", "Logistics", "Finance", "Energy", "Media"]
CURRENCIES = ["RUB", "RUB", "RUB", "USD", "EUR"]
DEAL_SUBJECTS = ["licences", "support", "hardware", "pilot", "training"]
UTM_SOURCES = ["", "google", "yandex", "newsletter", "partner"]
