from django import template

from accounts import sms_budget

register = template.Library()


@register.simple_tag(takes_context=True)
def sms_resend_wait(context, phone: str) -> int:
    """Seconds until a new code may be sent to `phone` (0: now), for the resend countdown."""
    request = context.get("request")
    if request is None or not phone:
        return 0
    return sms_budget.seconds_until_next(request, phone=phone)
