import json
from pathlib import Path

from customers import registry
from loyalty import services
from loyalty.models import LedgerKind, Program, Tier

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_embeds_are_registered():
    assert registry.detail_embeds.get("points") is not None
    assert registry.detail_embeds.get("mlp") is not None
    assert registry.merge_steps.get("loyalty") is services.enrollments_merge
    assert registry.registration_steps.get("loyalty") is services.enrollments_from_payload


def test_embed_points_has_the_seed_fragment_keys(enrolled):
    enrollment = enrolled(points=120)
    fragments = registry.detail_embeds.get("points")(
        customers=[enrollment.customer], request_context={}
    )
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
    fragments = registry.detail_embeds.get("mlp")(
        customers=[enrollment.customer], request_context={}
    )
    sample = json.loads((SAMPLES / "details.embed-mlp.fragment.json").read_text())
    items = fragments[enrollment.customer_id]["loyaltyProgramDetails"]
    assert [item["programId"] for item in items] == [1016, 1219]
    assert list(items[0]) == list(sample["loyaltyProgramDetails"][0])
    assert items[1]["nextSlabSerialNumber"] == -1


def test_embed_query_counts_do_not_grow_with_customers_or_programs(
    enrolled, till, django_assert_num_queries
):
    few = [enrolled(points=5)]
    embed_mlp = registry.detail_embeds.get("mlp")
    embed_points = registry.detail_embeds.get("points")
    with django_assert_num_queries(1):  # enrollments with their programs' tiers
        embed_mlp(customers=[e.customer for e in few], request_context={})
    with django_assert_num_queries(1):  # the same, default program joined
        embed_points(customers=[e.customer for e in few], request_context={})
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
        fragments = embed_mlp(customers=[e.customer for e in many], request_context={})
    assert all(len(f["loyaltyProgramDetails"]) == 4 for f in fragments.values())
    with django_assert_num_queries(1):
        embed_points(customers=[e.customer for e in many], request_context={})
