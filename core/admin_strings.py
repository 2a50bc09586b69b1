"""Texts of Django's admin and of django-oauth-toolkit that have no Chinese of their own.

Never imported: these calls only put the msgids into locale/*/django.po, and our LOCALE_PATHS
take precedence over the packages' own catalogues (issue 19: admin entirely in Chinese).
"""

from django.utils.translation import gettext_noop

ADMIN_TEXTS = [
    # django.contrib.admin's navigation sidebar (read by screen readers) and the user add page.
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    # django-oauth-toolkit: the application's fields, choices and help texts.
    gettext_noop("Manual"),
    gettext_noop("Dynamic Client Registration"),
    gettext_noop("Client ID Metadata Document"),
    gettext_noop("Confidential"),
    gettext_noop("Public"),
    gettext_noop("Authorization code"),
    gettext_noop("Device Code"),
    gettext_noop("Implicit"),
    gettext_noop("Resource owner password-based"),
    gettext_noop("Client credentials"),
    gettext_noop("OpenID connect hybrid"),
    gettext_noop("No OIDC support"),
    gettext_noop("RSA with SHA-2 256"),
    gettext_noop("HMAC with SHA-2 256"),
    gettext_noop("client ID"),
    gettext_noop("Allowed URIs list, space separated"),
    gettext_noop("redirect URIs"),
    gettext_noop("Allowed Post Logout URIs list, space separated"),
    gettext_noop("post logout redirect URIs"),
    gettext_noop("client type"),
    gettext_noop("authorization grant type"),
    gettext_noop("Client secret for authentication"),
    gettext_noop("client secret"),
    gettext_noop("hash client secret"),
    gettext_noop("skip authorization"),
    gettext_noop("created"),
    gettext_noop("updated"),
    gettext_noop("algorithm"),
    gettext_noop("Allowed origins list to enable CORS, space separated"),
    gettext_noop("allowed origins"),
    gettext_noop("How this application was registered (manual, DCR per RFC 7591, or CIMD)"),
    gettext_noop("registration source"),
    gettext_noop("When the cached Client ID Metadata Document should be re-fetched"),
    gettext_noop("CIMD expires at"),
    gettext_noop("Copy and store this secret now. Once saved, it will be hashed and cannot be recovered."),
    gettext_noop(
        "The client secret is hashed and can no longer be viewed. To rotate it, enter a new value and"
        " copy it before saving; the original secret cannot be recovered."
    ),
    gettext_noop(
        "This application stores its client secret unhashed, so the value above remains usable."
        " Entering a new value replaces it."
    ),
    gettext_noop("Copy and store this secret now. This application stores the secret unhashed."),
]
