from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = "Subscriptions"

    def ready(self) -> None:
        from customers import registry
        from subscriptions import demo, selectors, services, single_view

        registry.detail_embeds.register("subscriptions", selectors.EMBED_SUBSCRIPTIONS)
        registry.merge_steps.register("subscriptions", services.subscriptions_merge, order=50)
        registry.single_view_sections.register("subscriptions", single_view.SECTION, order=50)
        registry.demo_loaders.register("subscriptions", demo.load_subscriptions, order=50)
        from customers.invariants import register
        from subscriptions.invariants import CHECKS

        register(CHECKS)
