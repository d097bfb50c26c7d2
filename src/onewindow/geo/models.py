"""Reference geography: the city, its districts, sub-districts, communities and stations.

Names are kept in Chinese and English; `label` gives the one for the active language. For
the other UI languages the English name goes through the translation catalogue, which holds
the city's and the 11 districts' names (`geo.names`); smaller places keep their English
(pinyin) names, and a station is named by its place in pinyin.
"""

import functools

from django.db import models
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin

from onewindow.core.i18n import zh_or_en

STATION_SUFFIX = "来穗人员服务站"


class NamedPlace(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language: Chinese, English, or translated from English."""
        return zh_or_en(self.name_zh, self.name_en)


class City(NamedPlace):
    class Meta(NamedPlace.Meta):
        verbose_name = _("city")
        verbose_name_plural = _("cities")


class District(NamedPlace):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="districts")
    # Share of the migrant population, used by the synthetic city generator.
    population_weight = models.FloatField(default=1.0)

    class Meta(NamedPlace.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")


class SubDistrict(NamedPlace):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="subdistricts")

    class Meta(NamedPlace.Meta):
        verbose_name = _("sub-district")
        verbose_name_plural = _("sub-districts")


class Community(NamedPlace):
    subdistrict = models.ForeignKey(
        SubDistrict, on_delete=models.PROTECT, related_name="communities"
    )

    class Meta(NamedPlace.Meta):
        verbose_name = _("community")
        verbose_name_plural = _("communities")


class ServiceStation(NamedPlace):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="stations")
    subdistrict = models.ForeignKey(
        SubDistrict, on_delete=models.PROTECT, related_name="stations", null=True, blank=True
    )
    address_zh = models.CharField(_("address (Chinese)"), max_length=200)
    address_en = models.CharField(_("address (English)"), max_length=200)

    class Meta(NamedPlace.Meta):
        verbose_name = _("service station")
        verbose_name_plural = _("service stations")

    @property
    def label(self) -> str:
        language = get_language() or ""
        if language.startswith(("zh", "en")) or not self.name_zh.endswith(STATION_SUFFIX):
            return super().label
        place = _place_pinyin(self.name_zh.removesuffix(STATION_SUFFIX))
        return gettext("%(place)s migrant service station") % {"place": place}


@functools.lru_cache(maxsize=1024)
def _place_pinyin(place: str) -> str:
    """沙面北 → "Shamianbei"; labels are drawn in every station list, the names are few."""
    return "".join(lazy_pinyin(place)).title()
