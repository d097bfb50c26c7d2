"""The person (golden record) and everything the registry knows about them.

Persons are never deleted: `Person.delete()` refuses, and the status says whether a person is
active, has left the city, died or was merged into another record.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from onewindow.core.models import BaseModel

from .names import written_family_first


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    UNSPECIFIED = "X", _("Unspecified")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DEPARTED = "departed", _("Left the city")
    DECEASED = "deceased", _("Deceased")
    MERGED = "merged", _("Merged into another record")


class PersonQuerySet(models.QuerySet):
    def delete(self):  # type: ignore[override]
        raise TypeError("Persons are never deleted; change their status instead.")


class Person(BaseModel):
    # Names in the original script, as the person writes them.
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    # Names in Latin letters (passport spelling; pinyin for Chinese citizens).
    latin_family_name = models.CharField(_("family name (Latin)"), max_length=100, blank=True)
    latin_given_name = models.CharField(_("given name (Latin)"), max_length=100, blank=True)
    # Name in Chinese characters and its pinyin (toneless, surname first), derived on save.
    zh_name = models.CharField(_("name in Chinese characters"), max_length=50, blank=True)
    pinyin = models.CharField(_("pinyin"), max_length=120, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    nationality = models.CharField(_("nationality"), max_length=2, help_text=_("ISO 3166-1"))
    hukou_province = models.CharField(_("hukou province"), max_length=2, blank=True)
    hukou_place = models.CharField(
        _("hukou place"), max_length=6, blank=True, help_text=_("administrative division code")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    # Denormalised from the open residence registration; scopes officers' searches.
    current_district = models.ForeignKey(
        "geo.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # person_district_idx (current_district, id) serves it
    )
    version = models.PositiveIntegerField(default=1)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(fields=["current_district", "id"], name="person_district_idx"),
            # Covers what the monitoring aggregates read of each person, so a refresh scans a
            # few hundred megabytes instead of the whole table (names included), and its
            # joins look persons up in the index, not in the table.
            models.Index(
                fields=[
                    "id",
                    "status",
                    "nationality",
                    "current_district",
                    "hukou_province",
                    "sex",
                    "birth_date",
                ],
                name="person_facts_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(nationality="CN") | ~models.Q(hukou_province=""),
                name="chinese_citizen_has_hukou",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name as the person writes it: Chinese order for CJK scripts, else given first."""
        if self.zh_name and self.nationality == "CN":
            return self.zh_name
        return self.original_name or f"{self.latin_given_name} {self.latin_family_name}".strip()

    @property
    def original_name(self) -> str:
        """The name in its own script: CJK and Hangul family name first without a space."""
        fam, giv = self.family_name, self.given_name
        if written_family_first(fam):
            return f"{fam}{giv}"
        return f"{giv} {fam}".strip()

    @property
    def latin_name(self) -> str:
        return f"{self.latin_family_name.upper()}, {self.latin_given_name}".strip(", ")

    @property
    def is_foreign(self) -> bool:
        return self.nationality != "CN"

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise TypeError("Persons are never deleted; change their status instead.")


class NameKey(models.Model):
    """Normalised search keys of a person's names, one row per distinct key.

    `district_id` repeats the person's current district so that an officer's scoped search
    is answered from the (key, district, person) index alone.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_keys")
    key = models.CharField(max_length=120)
    district_id = models.BigIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["key", "district_id", "person"], name="namekey_idx")]

    def __str__(self) -> str:
        return f"{self.key} → {self.person_id}"


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    PASSPORT = "passport", _("Passport")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    FOREIGNER_RESIDENCE_PERMIT = "foreigner_residence_permit", _("Foreigner's residence permit")
    WORK_PERMIT = "work_permit", _("Work permit")
    OTHER = "other", _("Other permit")


class IdentityDocument(BaseModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="documents")
    doc_type = models.CharField(_("document type"), max_length=30, choices=DocumentType.choices)
    number = models.CharField(_("number"), max_length=40)
    issuing_country = models.CharField(_("issuing country"), max_length=3)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    mrz = models.TextField(_("machine-readable zone"), blank=True)

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        indexes = [models.Index(fields=["number"], name="document_number_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["doc_type", "issuing_country", "number"], name="document_unique"
            )
        ]


class ResidenceRegistration(BaseModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="residences")
    address = models.CharField(_("address"), max_length=200)
    district = models.ForeignKey("geo.District", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "geo.Community", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("residence registration")
        verbose_name_plural = _("residence registrations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="residence_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(valid_to__isnull=True),
                name="one_open_residence",
            ),
        ]


class Employer(BaseModel):
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    district = models.ForeignKey(
        "geo.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")

    def __str__(self) -> str:
        return self.name


class Employment(BaseModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="employments")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="employments")
    position = models.CharField(_("position"), max_length=100, blank=True)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("employment")
        verbose_name_plural = _("employments")


class EducationLevel(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary school")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary school")
    VOCATIONAL = "vocational", _("Vocational school")
    JUNIOR_COLLEGE = "junior_college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTORATE = "doctorate", _("Doctorate")


class Education(BaseModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="educations")
    level = models.CharField(_("level"), max_length=20, choices=EducationLevel.choices)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    completed_year = models.PositiveSmallIntegerField(_("year completed"), null=True, blank=True)

    class Meta:
        ordering = ["-completed_year"]
        verbose_name = _("education")
        verbose_name_plural = _("education")


class InsuranceType(models.TextChoices):
    PENSION = "pension", _("Pension")
    MEDICAL = "medical", _("Medical")
    UNEMPLOYMENT = "unemployment", _("Unemployment")
    WORK_INJURY = "work_injury", _("Work injury")
    MATERNITY = "maternity", _("Maternity")


class InsurancePeriod(BaseModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="insurance_periods")
    insurance_type = models.CharField(_("type"), max_length=20, choices=InsuranceType.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("social-insurance period")
        verbose_name_plural = _("social-insurance periods")


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")


RECIPROCAL = {
    Relation.SPOUSE: Relation.SPOUSE,
    Relation.CHILD: Relation.PARENT,
    Relation.PARENT: Relation.CHILD,
}


class FamilyLink(BaseModel):
    """`relative` is the `relation` of `person` (a CHILD link points from parent to child)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="family_links")
    relative = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)

    class Meta:
        verbose_name = _("family link")
        verbose_name_plural = _("family links")
        constraints = [
            models.UniqueConstraint(fields=["person", "relative"], name="family_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("relative")), name="family_link_not_self"
            ),
        ]


class GenerationRun(models.Model):
    """One run of the synthetic city generator (`registry.generate`), so that it can resume.

    A run writes its population in chunks, each in its own transaction that also advances
    `chunks_done`; re-running the same (persons, seed) continues after the last committed
    chunk. Ids are explicit, so a resumed run writes exactly the rows an uninterrupted one
    would: persons get `id_base + index`, and every other table gets fixed id blocks per chunk
    starting at the base recorded in `id_bases` (model label → first id).
    """

    seed = models.BigIntegerField(_("seed"))
    persons = models.PositiveIntegerField(_("persons requested"))
    chunk_size = models.PositiveIntegerField(_("chunk size"))
    id_base = models.BigIntegerField(_("first person id"))
    id_bases = models.JSONField(_("first id of each table"), default=dict)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("generation run")
        verbose_name_plural = _("generation runs")
        constraints = [
            models.UniqueConstraint(fields=["persons", "seed"], name="generation_run_unique")
        ]

    def __str__(self) -> str:
        return f"{self.persons} persons, seed {self.seed}"
