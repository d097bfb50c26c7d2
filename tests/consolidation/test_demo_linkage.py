"""The demo's three agency extracts, imported and linked against the demo city: the records
join the persons they were drawn from, the deliberate errors are rejected, and the visitors
written down by hand wait for an officer."""

import pytest

from onewindow.consolidation.demo_extracts import write_demo_extracts
from onewindow.consolidation.linking import index_registry, link_pending
from onewindow.consolidation.models import RecordLink, ReviewPair
from onewindow.consolidation.services import import_file
from onewindow.geo.services import geo_load_reference_data
from onewindow.registry.generate import generate_city
from onewindow.registry.models import Person

pytestmark = pytest.mark.django_db


def test_demo_extracts_link_to_the_demo_city(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    geo_load_reference_data()
    generate_city(persons=800, seed=5, chunk_size=400, progress=False)
    index_registry()
    folder = write_demo_extracts(size=60)
    persons = Person.objects.count()
    rejected = 0
    for source, name in [
        ("social_insurance", "social_insurance.csv"),
        ("exit_entry", "exit_entry.csv"),
        ("service_stations", "service_stations.xlsx"),
    ]:
        batch = import_file(actor=None, source_code=source, path=folder / name)
        rejected += batch.rows_rejected
    assert rejected > 0
    run = link_pending()
    # every record drawn from a known person joins that person; the prefixes say whose it is
    links = RecordLink.objects.select_related("record", "person")
    wrong = [
        link
        for link in links
        if not link.record.source_record_id.startswith("SX")
        and int(link.record.source_record_id[2:]) != link.person_id
    ]
    assert not wrong
    assert Person.objects.count() == persons + run.new_persons
    # the hand-written visitors are doubtful pairs with the person they were drawn from
    doubtful = ReviewPair.objects.filter(record__source_record_id__startswith="SX")
    assert doubtful.count() >= 3
    assert all(int(p.record.source_record_id[2:]) == p.person_id for p in doubtful)
