from django.forms.renderers import DjangoTemplates


class PortalFormRenderer(DjangoTemplates):
    """Every worker-facing form renders its fields through one component."""

    field_template_name = "components/field.html"
