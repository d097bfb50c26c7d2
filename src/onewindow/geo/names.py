"""The names of the city and its districts, marked for the translation catalogue.

`NamedPlace.label` translates a place's English name for readers of the other UI
languages; these are the names it finds there.
"""

from django.utils.translation import gettext_noop

PLACE_NAMES = [
    gettext_noop("Guangzhou"),
    gettext_noop("Liwan District"),
    gettext_noop("Yuexiu District"),
    gettext_noop("Haizhu District"),
    gettext_noop("Tianhe District"),
    gettext_noop("Baiyun District"),
    gettext_noop("Huangpu District"),
    gettext_noop("Panyu District"),
    gettext_noop("Huadu District"),
    gettext_noop("Nansha District"),
    gettext_noop("Conghua District"),
    gettext_noop("Zengcheng District"),
]
