from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = "Loyalty"

    def ready(self) -> None:
        from customers import registry
        from loyalty import console, demo, registration, selectors, services

        registry.body_parts.register("loyalty", registration.enrollments_parse)
        registry.registration_steps.register("loyalty", registration.enrollments_apply)
        registry.update_steps.register("loyalty", registration.enrollments_apply)
        registry.detail_embeds.register("points", selectors.EMBED_POINTS)
        registry.detail_embeds.register("mlp", selectors.EMBED_MLP)
        registry.detail_parts.register("lifetime purchases", selectors.LIFETIME_PURCHASES)
        registry.single_view_sections.register("loyalty", console.SECTION, order=30)
        registry.changelist_columns.register("tier", console.TIER_COLUMN, order=40)
        registry.changelist_columns.register("points", console.POINTS_COLUMN, order=41)
        registry.changelist_filters.register("program", console.ProgramFilter, order=40)
        registry.changelist_filters.register("tier", console.TierFilter, order=41)
        registry.merge_steps.register("loyalty", services.enrollments_merge, order=40)
        # Programs before the demo customers (order 30) so their registration enrolls them.
        registry.demo_loaders.register("loyalty programs", demo.load_programs, order=25)
        registry.demo_loaders.register("loyalty", demo.load_loyalty, order=40)
        from loyalty import request_demo, request_single_view

        registry.single_view_sections.register("requests", request_single_view.SECTION, order=60)
        registry.demo_loaders.register("requests", request_demo.load_requests, order=60)
        from loyalty import request_services

        registry.erasure_steps.register("requests", request_services.requests_erase_personal_data)
        registry.merge_steps.register("requests", request_services.requests_merge, order=45)
        from customers.invariants import register
        from loyalty.invariants import CHECKS

        register(CHECKS)
