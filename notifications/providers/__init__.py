"""Real SMS providers: Aliyun SMS (阿里云短信) and Tencent Cloud SMS (腾讯云短信), through their official SDKs.

Both send only approved templates, so an outgoing message becomes a template id and its variables
(templates.py; the README lists the template texts to file with the provider). Both take an id of
ours that they echo back (Aliyun OutId, Tencent SessionContext): a retry after an attempt that got
no answer looks the message up by it before sending again, and a message that carries a secret
(a code) is never sent a second time (base.py). Delivery receipts arrive at
/notifications/receipts/<provider>/<token>/ (notifications.views).
"""
