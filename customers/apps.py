from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from customers import demo, invariants, registry

        registry.demo_loaders.register("org", demo.load_org, order=10)
        registry.demo_loaders.register("staff", demo.load_staff, order=20)
        registry.demo_loaders.register("customers", demo.load_customers, order=30)
        invariants.register(invariants.CHECKS)
