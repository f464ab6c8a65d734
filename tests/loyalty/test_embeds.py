import json
from pathlib import Path

from customers import registry
from customers.selectors import SourceRef, customer_get_details
from loyalty import registration, services
from loyalty.models import LedgerKind, Program, Tier

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def embedded(customers, *embed):
    """The details bodies of these customers with the embeds asked for, by id."""
    return customer_get_details(customers=customers, source=SourceRef("ALL"), embed=embed)


def test_embeds_are_registered():
    assert registry.detail_embeds.get("points") is not None
    assert registry.detail_embeds.get("mlp") is not None
    assert registry.merge_steps.get("loyalty") is services.enrollments_merge
    assert registry.body_parts.get("loyalty") is registration.enrollments_parse
    assert registry.registration_steps.get("loyalty") is registration.enrollments_apply
    assert registry.update_steps.get("loyalty") is registration.enrollments_apply


def test_embed_points_has_the_seed_fragment_keys(enrolled):
    enrollment = enrolled(points=120)
    fragments = embedded([enrollment.customer], "points")
    sample = json.loads((SAMPLES / "details.embed-points.fragment.json").read_text())
    summary = fragments[enrollment.customer_id]["pointsSummary"]
    assert list(summary) == list(sample["pointsSummary"])
    assert summary["loyaltyPoints"] == 120.0
    assert summary["currentSlab"] == "Silver"
    assert summary["slabSNo"] == 1
    assert summary["nextSlab"] == "Gold"


def test_embed_mlp_has_one_item_per_program_in_the_seed_shape(enrolled, till):
    enrollment = enrolled(points=10)
    other = Program.objects.create(id=1219, name="Partner")
    Tier.objects.create(program=other, serial_number=1, name="Tier1")
    services.enrollment_enroll(customer=enrollment.customer, program=other, actor=till)
    fragments = embedded([enrollment.customer], "mlp")
    sample = json.loads((SAMPLES / "details.embed-mlp.fragment.json").read_text())
    items = fragments[enrollment.customer_id]["loyaltyProgramDetails"]
    assert [item["programId"] for item in items] == [1016, 1219]
    assert list(items[0]) == list(sample["loyaltyProgramDetails"][0])
    assert items[1]["nextSlabSerialNumber"] == -1


def test_embed_query_counts_do_not_grow_with_customers_or_programs(
    enrolled, till, django_assert_num_queries
):
    few = [enrolled(points=5)]
    # The details query reads the enrollments (with their programs' tiers) itself.
    with django_assert_num_queries(1):
        bodies = embedded([e.customer for e in few], "mlp", "points")
    assert all("pointsSummary" in body for body in bodies.values())
    many = [enrolled(points=5) for _ in range(8)]
    for program_id in (3001, 3002, 3003):
        program = Program.objects.create(id=program_id, name=str(program_id))
        Tier.objects.create(program=program, serial_number=1, name="Base")
        for enrollment in many:
            other, _ = services.enrollment_enroll(
                customer=enrollment.customer, program=program, actor=till
            )
            other.program = program
            services.points_credit(enrollment=other, kind=LedgerKind.GOODWILL, points=1, actor=till)
    with django_assert_num_queries(1):
        fragments = embedded([e.customer for e in many], "mlp", "points")
    assert len(fragments) == 8
    assert all(len(f["loyaltyProgramDetails"]) == 4 for f in fragments.values())
    assert all(f["pointsSummary"]["loyaltyPoints"] == 5.0 for f in fragments.values())
