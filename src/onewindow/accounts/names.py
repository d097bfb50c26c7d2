"""The agencies' English names, marked for the translation catalogue.

`Agency.__str__` (through `core.i18n.zh_or_en`) translates them for readers of the UI
languages other than Chinese and English; the list must follow `data/agencies.json`
(a test checks).
"""

from django.utils.translation import gettext_noop

AGENCY_NAMES = [
    gettext_noop("Exit-Entry Administration, Guangzhou Public Security Bureau"),
    gettext_noop("Household Registration, Guangzhou Public Security Bureau"),
    gettext_noop("Guangzhou Science and Technology Bureau (Foreign Experts)"),
    gettext_noop("Guangzhou Human Resources and Social Security Bureau"),
    gettext_noop("Guangzhou Education Bureau"),
    gettext_noop("Guangzhou Civil Affairs Bureau"),
    gettext_noop("Guangzhou Justice Bureau (legal aid)"),
    gettext_noop("Guangzhou Migrant Population Service and Management Bureau"),
]
