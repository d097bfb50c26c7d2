"""The city's reference geography, loaded from its data file."""

import json
from pathlib import Path

import pytest

from onewindow.geo.models import City, Community, District, ServiceStation, SubDistrict
from onewindow.geo.selectors import districts
from onewindow.geo.services import REFERENCE_FILE, geo_load_reference_data

pytestmark = pytest.mark.django_db

GUANGZHOU_DISTRICTS = {
    "440103": "Liwan",
    "440104": "Yuexiu",
    "440105": "Haizhu",
    "440106": "Tianhe",
    "440111": "Baiyun",
    "440112": "Huangpu",
    "440113": "Panyu",
    "440114": "Huadu",
    "440115": "Nansha",
    "440117": "Conghua",
    "440118": "Zengcheng",
}


def snapshot() -> dict[str, list[tuple]]:
    return {
        model.__name__: list(model.objects.order_by("code").values_list())
        for model in (City, District, SubDistrict, Community, ServiceStation)
    }


def test_loads_the_city_its_eleven_districts_and_153_stations():
    # given an empty database
    # when the reference data is loaded
    counts = geo_load_reference_data()
    # then Guangzhou has its eleven districts with their real codes, and 153 stations
    assert City.objects.get().code == "4401"
    assert {d.code: d.name_en.removesuffix(" District") for d in District.objects.all()} == (
        GUANGZHOU_DISTRICTS
    )
    assert District.objects.get(code="440106").name_zh == "天河区"
    assert ServiceStation.objects.count() == 153
    assert counts == {
        "cities": 1,
        "districts": 11,
        "subdistricts": SubDistrict.objects.count(),
        "communities": Community.objects.count(),
        "stations": 153,
    }


def test_every_district_has_sub_districts_communities_and_a_station():
    geo_load_reference_data()
    for district in District.objects.all():
        subdistricts = district.subdistricts.count()
        assert 5 <= subdistricts <= 15
        assert Community.objects.filter(subdistrict__district=district).count() >= 3 * subdistricts
        assert district.stations.exists()
    # a station lies in a sub-district of its own district, and has an address in both languages
    for station in ServiceStation.objects.select_related("subdistrict"):
        assert station.subdistrict.district_id == station.district_id
        assert station.address_zh.startswith("广州市")
        assert station.address_en.endswith("Guangzhou")


def test_stations_and_weights_follow_the_migrant_population():
    geo_load_reference_data()
    weights = dict(District.objects.values_list("code", "population_weight"))
    assert sum(weights.values()) == pytest.approx(1.0)
    stations = {d.code: d.stations.count() for d in District.objects.all()}
    # Baiyun, the largest, has the most stations; Conghua, the smallest, the fewest
    assert max(stations, key=stations.get) == max(weights, key=weights.get) == "440111"
    assert min(stations, key=stations.get) == min(weights, key=weights.get) == "440117"


def test_loading_twice_changes_nothing():
    # given the reference data loaded once
    geo_load_reference_data()
    before = snapshot()
    # when it is loaded again
    counts = geo_load_reference_data()
    # then every row is the same (same ids too) and nothing was added
    assert snapshot() == before
    assert counts["stations"] == ServiceStation.objects.count() == 153


def test_a_corrected_file_updates_names_in_place(tmp_path: Path):
    # given the reference data loaded
    geo_load_reference_data()
    tianhe = District.objects.get(code="440106")
    # when a file with a corrected English name is loaded
    data = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    for row in data["districts"]:
        if row["code"] == "440106":
            row["name_en"] = "Tianhe"
    corrected = tmp_path / "city.json"
    corrected.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    geo_load_reference_data(path=corrected)
    # then the same row carries the new name
    tianhe_after = District.objects.get(code="440106")
    assert tianhe_after.pk == tianhe.pk
    assert tianhe_after.name_en == "Tianhe"
    assert District.objects.count() == 11


def test_the_data_file_says_what_is_synthetic():
    data = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    assert "synthetic" in data["note"].lower()
    assert {"subdistricts", "communities", "stations"} <= set(data["synthetic"])


def test_districts_selector_orders_by_code():
    geo_load_reference_data()
    codes = [d.code for d in districts()]
    assert codes == sorted(GUANGZHOU_DISTRICTS)
