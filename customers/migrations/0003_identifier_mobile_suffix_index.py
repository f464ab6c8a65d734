"""An index for the staff console's "last digits of the mobile" search.

`reverse(value) LIKE '0123%'` with `text_pattern_ops` is a range scan whatever the database
collation, so `…3210` is found among millions of mobiles without a scan. Partial on mobiles:
the only identifiers searched by their end. Raw SQL because the index belongs to the
console's search (`customers/console_search.py`), not to the model's own constraints.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_search_indexes_and_merges"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX IF NOT EXISTS identifier_mobile_suffix "
                "ON customers_identifier (reverse(value) text_pattern_ops) "
                "WHERE type = 'mobile'"
            ),
            reverse_sql="DROP INDEX IF EXISTS identifier_mobile_suffix",
        ),
    ]
