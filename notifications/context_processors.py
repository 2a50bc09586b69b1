from notifications.selectors import inbox_unread_count


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread_count": lambda: inbox_unread_count(user=user)}
