"""The demo's triage desk answers what a human would: routing's suggestion, or a real kab/kota."""

from aduan.demo import desk_choice
from services.routing.decide import UNKNOWN_KABKOTA
from shared.agencies import AGENCIES


def test_the_desk_confirms_a_real_suggestion() -> None:
    assert desk_choice("pusat-kemenag", "18.01") == "pusat-kemenag"


def test_an_unknown_kabkota_becomes_the_kabkota_the_sample_names_or_a_real_one() -> None:
    chosen = desk_choice(UNKNOWN_KABKOTA, "18.72")
    assert AGENCIES[chosen].region_code == "18.72"
    assert desk_choice(UNKNOWN_KABKOTA, None) in AGENCIES
