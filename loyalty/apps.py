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
        from loyalty.workflow import audit_trail, dashboard, forms
        from loyalty.workflow import demo as workflow_demo
        from loyalty.workflow import services as workflow_services
        from loyalty.workflow import single_view as workflow_single_view

        registry.single_view_sections.register("requests", workflow_single_view.SECTION, order=60)
        registry.single_view_actions.register("requests", forms.single_view_actions, order=10)
        registry.audit_trail_entries.register("requests", audit_trail.audit_entries, order=10)
        registry.dashboard_panels.register("requests", dashboard.PANEL, order=10)
        registry.demo_loaders.register("requests", workflow_demo.load_requests, order=60)
        registry.erasure_steps.register("requests", workflow_services.requests_erase_personal_data)
        registry.merge_steps.register("requests", workflow_services.requests_merge, order=45)
        from customers.invariants import register
        from loyalty.invariants import CHECKS

        register(CHECKS)
