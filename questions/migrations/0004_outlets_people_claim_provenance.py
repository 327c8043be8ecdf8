"""Outlets and people become records of their own; an article gets an outlet and an
ordered list of authors, and its text a SHA-256. The old `outlet` and `author` text
columns are carried over row by row (nothing is lost: a name becomes a record with
that name) before they are dropped. A question's provenance says how it tracks its
article's claim (direct, proxy, successor) and for which side; a question that took
its provenance from an earlier one through `successor_of` is a successor link."""

import hashlib

import django.db.models.deletion
from django.db import migrations, models
from django.utils.text import slugify


def _unique_slug(model, name: str) -> str:
    base = (slugify(name) or "unnamed")[:110]
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def forward(apps, schema_editor):
    Article = apps.get_model("questions", "Article")
    Outlet = apps.get_model("questions", "Outlet")
    Person = apps.get_model("questions", "Person")
    ArticleAuthor = apps.get_model("questions", "ArticleAuthor")
    Question = apps.get_model("questions", "Question")
    for article in Article.objects.all():
        name = (article.outlet_name or "").strip()
        if name:
            outlet = Outlet.objects.filter(name=name).first() or Outlet.objects.create(
                slug=_unique_slug(Outlet, name), name=name
            )
            article.outlet = outlet
        byline = (article.author or "").strip()
        if byline:
            person = Person.objects.filter(name=byline).first() or Person.objects.create(
                slug=_unique_slug(Person, byline), name=byline
            )
            ArticleAuthor.objects.create(article=article, person=person, position=0)
        article.text_sha256 = hashlib.sha256(article.text.encode("utf-8")).hexdigest()
        article.save(update_fields=["outlet", "text_sha256"])
    Question.objects.filter(article__isnull=False, successor_of__isnull=False).update(
        provenance_link="successor"
    )


def backward(apps, schema_editor):
    Article = apps.get_model("questions", "Article")
    ArticleAuthor = apps.get_model("questions", "ArticleAuthor")
    for article in Article.objects.all():
        article.outlet_name = article.outlet.name if article.outlet_id else ""
        article.author = ", ".join(
            byline.person.name
            for byline in ArticleAuthor.objects.filter(article=article).order_by("position", "id")
        )
        article.save(update_fields=["outlet_name", "author"])


class Migration(migrations.Migration):
    dependencies = [("questions", "0003_drafts_clarifications")]

    operations = [
        migrations.CreateModel(
            name="Outlet",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slug", models.SlugField(max_length=120, unique=True)),
                ("name", models.CharField(max_length=200)),
                ("url", models.URLField(blank=True, max_length=500)),
                ("description", models.TextField(blank=True)),
            ],
            options={"ordering": ["name"]},
        ),
        migrations.CreateModel(
            name="Person",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slug", models.SlugField(max_length=120, unique=True)),
                ("name", models.CharField(max_length=200)),
                ("affiliation", models.CharField(blank=True, max_length=300)),
                ("url", models.URLField(blank=True, max_length=500)),
            ],
            options={"ordering": ["name"], "verbose_name_plural": "people"},
        ),
        migrations.CreateModel(
            name="ArticleAuthor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField(default=0)),
                ("article", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="bylines", to="questions.article")),
                ("person", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="bylines", to="questions.person")),
            ],
            options={"ordering": ["position", "id"]},
        ),
        migrations.AddConstraint(
            model_name="articleauthor",
            constraint=models.UniqueConstraint(fields=("article", "person"), name="article_author_once"),
        ),
        migrations.AddField(
            model_name="article",
            name="authors",
            field=models.ManyToManyField(blank=True, related_name="articles_written", through="questions.ArticleAuthor", to="questions.person"),
        ),
        migrations.RenameField(model_name="article", old_name="outlet", new_name="outlet_name"),
        migrations.AddField(
            model_name="article",
            name="outlet",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="articles", to="questions.outlet"),
        ),
        migrations.AddField(
            model_name="article",
            name="text_sha256",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="question",
            name="provenance_direction",
            field=models.CharField(choices=[("yes", "The claim speaks for Yes"), ("no", "The claim speaks for No")], default="yes", max_length=3),
        ),
        migrations.AddField(
            model_name="question",
            name="provenance_link",
            field=models.CharField(choices=[("direct", "Direct: measures the claim over its horizon"), ("proxy", "Proxy: measures something that stands for the claim"), ("successor", "Successor: the claim's question over a later window")], default="direct", max_length=12),
        ),
        migrations.RunPython(forward, backward),
        migrations.RemoveField(model_name="article", name="outlet_name"),
        migrations.RemoveField(model_name="article", name="author"),
    ]
